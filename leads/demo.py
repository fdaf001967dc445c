"""Demo data for the pipeline: leads, their stage history and their follow-ups.

Lead number ``i`` is a deterministic function of ``i`` (its own seeded random generator), so a
rerun recognises what exists by company name (``company_key``) and creates only what is missing;
``--leads 300`` after ``--leads 60`` adds leads 60–299. Only dates depend on the day the command
runs: every lead's history is laid out backwards from today, so the demo stays fresh.

The rows are written with ``bulk_create`` in batches (one transaction per batch), bypassing the
services, and still obey their rules:

- every lead that has reached screen has a valid 统一社会信用代码 and a due-diligence note;
  every lead that has reached dock is rated A or B and has an owner and a task force;
- the ``LeadTransition`` rows run from collect to the lead's stage through ``Lead.TRANSITIONS``,
  with a reason where ``leads.pipeline.needs_reason`` asks for one;
- ``last_follow_up_on`` / ``next_follow_up_on`` are those of the latest follow-up, and
  ``last_activity_on`` is the later of that follow-up and the day the lead entered its stage;
- about one lead in seven is overdue under ``leads.models.overdue_q``.

Serve-stage leads are created without a project (the projects app links one: see
``dashboard.management.commands.seed_demo``).
"""

import datetime
import itertools
import random
import time
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.demo import DEMO_TASK_FORCES, specs_for
from crm.models import (
    ChainLink,
    Channel,
    Industry,
    IndustryChain,
    Region,
    ReminderSchedule,
    TaskForce,
    User,
)
from crm.text import normalize_company_name
from crm.validators import CREDIT_CODE_CHARSET, credit_code_check_character
from leads.models import ApprovalRequest, FollowUp, Lead, LeadTransition, TargetEnterprise
from leads.pipeline import needs_reason
from leads.services import approval_decide, approval_request

Stage = Lead.Stage
Method = FollowUp.Method

DEFAULT_LEADS = 300
BATCH_SIZE = 2000
# Above this many leads each lead gets a shorter history, so 100,000 leads take minutes.
MANY_LEADS = 5000
SEED = 2024_0722

# Stages in the proportions of a working pipeline, cycled so that every stage appears in any
# run of twenty leads: collect most, then screen, dock, serve, and some dropped.
STAGE_CYCLE = ([Stage.COLLECT] * 7 + [Stage.SCREEN] * 5 + [Stage.DOCK] * 3 + [Stage.SERVE] * 2) + [
    Stage.DROPPED
] * 3
OVERDUE_SHARE = 0.17  # of active leads; about 14% of all leads

# ---------------------------------------------------------------------------------------------
# Vocabulary (from the Hulin article and the places enterprises come from)

# region code → (place name, 6-digit administrative code used in the credit code)
PLACES: dict[str, list[tuple[str, str]]] = {
    "yangtze-delta": [
        ("浙江", "330000"),
        ("杭州", "330100"),
        ("宁波", "330200"),
        ("温州", "330300"),
        ("江苏", "320000"),
        ("苏州", "320500"),
        ("无锡", "320200"),
        ("上海", "310000"),
    ],
    "pearl-delta": [
        ("广东", "440000"),
        ("广州", "440100"),
        ("深圳", "440300"),
        ("佛山", "440600"),
        ("东莞", "441900"),
    ],
    "jing-jin-ji": [
        ("北京", "110000"),
        ("天津", "120000"),
        ("河北", "130000"),
        ("石家庄", "130100"),
    ],
    "in-province": [
        ("黑龙江", "230000"),
        ("哈尔滨", "230100"),
        ("鸡西", "230300"),
        ("佳木斯", "230800"),
        ("牡丹江", "231000"),
        ("虎林市", "230381"),
        ("密山市", "230382"),
    ],
    "northeast": [
        ("吉林", "220000"),
        ("长春", "220100"),
        ("辽宁", "210000"),
        ("沈阳", "210100"),
        ("大连", "210200"),
    ],
    "overseas": [
        ("香港", "440300"),
        ("新加坡", "310000"),
        ("俄罗斯", "231000"),
        ("韩国", "210200"),
    ],
    "other": [
        ("山东", "370000"),
        ("河南", "410000"),
        ("四川", "510000"),
        ("福建", "350000"),
        ("湖南", "430000"),
    ],
}
REGION_WEIGHTS = {
    "in-province": 25,
    "yangtze-delta": 20,
    "pearl-delta": 14,
    "jing-jin-ji": 12,
    "northeast": 12,
    "other": 12,
    "overseas": 5,
}

# Trade names (字号) are two characters, one from each list.
NAME_FIRST = (
    "金禾丰嘉兴沃北绿康益仁华天瑞恒宏鑫盛佳百东润安永鸿森龙雪青谷"
    "蜜牧晨蓝碧云汇聚鼎德同和福吉泰众博正信"
)
NAME_SECOND = "源丰泽禾农野珍康宁生和润达成泰盛华运通川穗香原晟翔远程瑞鑫利隆发宇辉升业邦诚海林"

INDUSTRY_WEIGHTS = {
    "rice": 22,
    "pharma": 14,
    "dairy": 10,
    "bee": 8,
    "green-food": 14,
    "new-energy": 9,
    "tourism": 7,
    "logistics": 8,
    "other": 8,
}
INDUSTRY_WORDS = {
    "rice": ["米业", "粮油", "稻米", "农业科技", "粮食贸易", "米业发展"],
    "pharma": ["药业", "生物科技", "医药", "制药", "中药饮片", "生物医药"],
    "dairy": ["乳业", "牧业", "乳品", "奶业", "乳制品", "牧场管理"],
    "bee": ["蜂业", "蜂产品", "蜂业科技", "蜂蜜", "养蜂"],
    "green-food": ["食品", "绿色食品", "农产品", "山特产品", "有机农业", "食品科技"],
    "new-energy": ["新能源", "光伏科技", "风电", "生物质能源", "储能科技", "清洁能源"],
    "tourism": ["文化旅游", "旅游开发", "文旅发展", "康养产业", "冰雪旅游"],
    "logistics": ["物流", "供应链管理", "商贸", "冷链物流", "国际贸易"],
    "other": ["实业", "建材", "木业", "机械制造", "环保科技", "电子商务"],
}
SUFFIXES = ["有限公司"] * 6 + ["股份有限公司", "集团有限公司", "有限责任公司"]

INTENTS = {
    "rice": [
        "拟投资{amount}万元在虎林建设年产{n}万吨绿色水稻加工项目，配套烘干仓储设施。",
        "计划与中粮、绿都等本地米业集团合作，开发米糠油、米粉、米饮品等精深加工产品。",
        "拟流转{n}万亩耕地建设绿色水稻种植基地，订单收购本地优质稻。",
        "有意整合重组本地中小米企，更新技术设备，共同打造「虎林大米」高端品牌。",
        "拟建设大米冷链物流及电商分拨中心，统一品牌、统一标准、统一营销。",
    ],
    "pharma": [
        "拟引进中药材新品种，在虎林建设{n}000亩北药种植基地。",
        "计划在虎林设立销售总部，用好总部经济和两票制政策，预计年销售额{n}亿元。",
        "有意以上市许可持有人方式委托本地药企代加工，首批品种{n}个。",
        "拟对老品种进行二次开发，建设中药提取和饮片生产线。",
    ],
    "dairy": [
        "拟新建存栏{n}000头的规模化奶牛牧场。",
        "计划建设液态奶和奶粉生产线，日处理鲜奶{n}00吨。",
        "拟与本地乳企合作开发低温酸奶、奶酪等新品，扩大产能规模。",
        "有意建设青贮饲草种植基地{n}万亩，配套牧场粪污资源化利用。",
    ],
    "bee": [
        "拟建设椴树蜜标准化生产基地，带动蜂农{n}00户。",
        "计划建设蜂王浆、蜂胶等蜂产品精深加工项目。",
        "有意牵头制定椴树蜜企业标准，以企业标准代替行业标准，打造地理标志品牌。",
    ],
    "green-food": [
        "拟建设年加工{n}万吨黑木耳、蓝莓等山特产品精深加工项目。",
        "计划建设有机大豆、杂粮加工及对俄出口基地。",
        "有意在虎林建设绿色食品中央厨房和预制菜项目。",
    ],
    "new-energy": [
        "拟投资建设{n}00兆瓦风电项目。",
        "计划建设农光互补光伏电站{n}0兆瓦。",
        "拟利用水稻秸秆建设生物质热电联产项目。",
        "有意建设储能电站及新能源装备组装基地。",
    ],
    "tourism": [
        "拟开发虎头要塞、珍宝岛红色旅游线路及配套酒店。",
        "计划在月牙湖建设康养度假项目，床位{n}00张。",
        "有意投资冰雪旅游和湿地观光项目，打造边境旅游目的地。",
    ],
    "logistics": [
        "拟建设虎林口岸对俄跨境物流园，占地{n}00亩。",
        "计划建设农产品冷链仓储中心，库容{n}万吨。",
        "有意布局县域电商快递共配中心。",
    ],
    "other": [
        "拟建设装配式建筑构件等新型建材项目。",
        "计划投资木制品精深加工项目。",
        "有意建设农机装备制造及维修服务中心。",
    ],
}

SURNAMES = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("赵", "zhao"),
    ("黄", "huang"),
    ("周", "zhou"),
    ("吴", "wu"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("高", "gao"),
    ("郑", "zheng"),
]
GIVEN_NAMES = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀华平刚桂英建国志红玉兰海峰")
TITLES = ["总经理", "董事长", "副总经理", "投资总监", "项目经理", "办公室主任"]

ANCHOR_ENTERPRISES = [
    "中粮米业（虎林）有限公司",
    "虎林市绿都米业集团",
    "虎林市兴凯湖乳业有限公司",
    "虎林市椴花蜂业有限公司",
    "虎林市北药制药有限公司",
]
EXPOS = [
    "中国—俄罗斯博览会",
    "中国国际农产品交易会",
    "哈洽会虎林专场推介会",
    "中国国际进口博览会",
    "粤港澳大湾区招商推介会",
]
OFFICIALS = ["市发改局", "市工信局", "市农业农村局", "市商务局", "市政协经济委"]

SITES = [
    "经济开发区标准化厂房",
    "绿色食品产业园",
    "虎林口岸",
    "拟选址地块",
    "中粮、绿都米业生产线",
    "高标准农田示范区",
    "虎林灌区",
]
ADVANTAGES = [
    "寒地黑土、绿色有机的资源优势",
    "「虎林大米」区域品牌",
    "口岸和对俄合作优势",
    "招商引资优惠政策和项目服务保障",
]
TOPICS = [
    "项目选址和用地指标",
    "投资协议主要条款",
    "税收和奖补政策",
    "用电用水等基础设施配套",
    "项目建设时序",
    "原料保障和订单收购",
    "环评、能评手续办理",
]
RESPONSES = [
    "有意向近期来虎林实地考察",
    "需回去向董事会汇报",
    "对政策总体满意，关注用地价格",
    "希望政府协调解决原料供应问题",
    "已形成初步合作意向",
    "要求进一步提供产业配套资料",
]
OUTCOMES = [
    "企业态度积极，继续跟进。",
    "形成会谈纪要，待企业内部决策。",
    "约定下次考察时间。",
    "需市直部门协调后答复企业。",
    "已将企业诉求报专班研究。",
    "",
]
EVENTS = [
    "哈洽会虎林专场推介会",
    "长三角（杭州）招商推介会",
    "粤港澳大湾区招商推介会",
    "虎林市老乡企业家恳谈会",
    "中国—俄罗斯博览会",
]
STAGE_METHODS = {
    Stage.COLLECT: [Method.PHONE, Method.ONLINE, Method.PROMOTION, Method.VISIT],
    Stage.SCREEN: [Method.PHONE, Method.VISIT, Method.ONLINE, Method.RECEPTION],
    Stage.DOCK: [Method.INSPECTION, Method.MEETING, Method.RECEPTION, Method.VISIT, Method.PHONE],
    Stage.SERVE: [Method.VISIT, Method.MEETING, Method.PHONE, Method.INSPECTION],
}

DD_EXTRAS = [
    "实地走访企业生产基地，产能和设备情况属实。",
    "企业近三年经营稳定，年均营业收入约{n}亿元。",
    "实际控制人为虎林籍企业家，返乡投资意愿强烈。",
    "企业已在省内布局同类项目，有成熟运营团队。",
    "资金来源为自有资金和银行贷款，需进一步核实融资能力。",
    "经税务、市场监管部门核查，无欠税和行政处罚记录。",
]
DROP_REASONS = [
    "企业投资方向调整，暂缓北方布局。",
    "企业资金链紧张，项目暂停。",
    "经核实企业存在经营异常，放弃跟进。",
    "与我市产业定位不符。",
    "企业已选择在其他县市落地。",
    "用地和能耗指标无法满足企业需求。",
    "多次联系无回应，暂时搁置。",
]
BACK_REASONS = {
    Stage.COLLECT: "企业信息核实不充分，退回搜集阶段补充材料。",
    Stage.SCREEN: "企业要求重新评估选址和投资规模，退回筛选。",
}
REOPEN_REASONS = ["企业重新表达投资意向，重新启动跟进。", "老乡企业家再次引荐，恢复跟进。"]
DOCK_NOTES = ["评级较高，同意进入对接。", "同意进入对接，专班牵头洽谈。", ""]


# ---------------------------------------------------------------------------------------------
# Planning one lead


@dataclass(frozen=True)
class Identity:
    """What makes demo lead ``serial`` that lead: its name and where and what it is."""

    serial: int
    name: str
    industry: str
    region: str
    city: str
    admin_code: str


@dataclass
class Reference:
    """Everything the generator looks up, loaded once per run (no per-row queries)."""

    industries: dict[str, Industry]
    channels: list[Channel]
    regions: dict[str, Region]
    links: dict[str, list[ChainLink]]
    task_forces: dict[str, TaskForce]
    # industry → codes of the task forces that work it (one in the demo, more in a benchmark's)
    task_force_of: dict[str, list[str]]
    members: dict[str, list[User]]
    officers: list[User]
    bureau_leaders: list[User]


@dataclass
class Plan:
    """One lead to write, with its history (``lead_id`` is set once the lead has an id)."""

    lead: Lead
    transitions: list[LeadTransition] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)


def credit_code(region_code: str, serial: int) -> str:
    """A valid 统一社会信用代码 for demo lead ``serial`` registered in ``region_code``.

    The organisation part (characters 9–17) is a scrambled serial: codes look random and, the
    multiplier being prime to 31, never repeat.
    """
    digits = ""
    number = (serial * 7_368_787_453 + 1_234_567_891) % 31**9
    for _position in range(9):
        digits = CREDIT_CODE_CHARSET[number % 31] + digits
        number //= 31
    first17 = "91" + region_code + digits
    return first17 + credit_code_check_character(first17)


def company_name(rng: random.Random, industry: str, place: str, region: str) -> str:
    name = rng.choice(NAME_FIRST) + rng.choice(NAME_SECOND)
    word = rng.choice(INDUSTRY_WORDS[industry])
    if region == "overseas":
        return f"{place}{name}{word}（中国）有限公司"
    return f"{place}{name}{word}{rng.choice(SUFFIXES)}"


def person(rng: random.Random) -> tuple[str, str]:
    """A Chinese full name and its surname in pinyin."""
    surname, pinyin = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN_NAMES) for _char in range(rng.choice((1, 2))))
    return surname + given, pinyin


def phone(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"0467-{rng.randint(5200000, 5899999)}"  # Hulin's area code
    return f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"


def investment(rng: random.Random) -> Decimal:
    """Planned investment in 万元, rounded like officers round it."""
    tier = rng.random()
    if tier < 0.35:
        amount = rng.randint(5, 30) * 100
    elif tier < 0.75:
        amount = rng.randint(3, 20) * 1000
    elif tier < 0.95:
        amount = rng.randint(2, 10) * 10000
    else:
        amount = rng.randint(10, 30) * 10000
    return Decimal(amount)


def stage_path(rng: random.Random, stage: str) -> list[str]:
    """The stages a lead went through, from collect to ``stage``, along ``Lead.TRANSITIONS``."""
    forward = [Stage.COLLECT, Stage.SCREEN, Stage.DOCK, Stage.SERVE]
    roll = rng.random()
    if stage == Stage.DROPPED:
        # Nothing is dropped from serve: a lead that reached serve has a project (linked by
        # projects.demo to the serve-stage leads), so it stays there.
        last = rng.choices(forward[:3], weights=(45, 35, 20))[0]
        return [*forward[: forward.index(last) + 1], Stage.DROPPED]
    if stage == Stage.COLLECT:
        if roll < 0.08:
            return [Stage.COLLECT, Stage.DROPPED, Stage.COLLECT]  # reopened
        if roll < 0.12:
            return [Stage.COLLECT, Stage.SCREEN, Stage.COLLECT]  # sent back
        return [Stage.COLLECT]
    path = forward[: forward.index(stage) + 1]
    if stage in (Stage.SCREEN, Stage.DOCK) and roll < 0.1:
        path += [Lead.BACKWARD[stage], stage]  # sent back one stage, then forward again
    return path


def referrer(rng: random.Random, channel: str, city: str) -> tuple[str, str, str]:
    """(name, kind, contact) of whoever brought the lead, by channel."""
    kinds = Lead.ReferrerKind
    if channel == "townsman":
        if rng.random() < 0.3:
            return f"{city}黑龙江虎林商会", kinds.CHAMBER, phone(rng)
        name, _pinyin = person(rng)
        return f"{name}（虎林籍，在{city}经商）", kinds.TOWNSMAN, phone(rng)
    if channel in ("business", "chain"):
        return rng.choice(ANCHOR_ENTERPRISES), kinds.ENTERPRISE, phone(rng)
    if channel == "affection":
        name, _pinyin = person(rng)
        if rng.random() < 0.5:
            return f"{rng.choice(OFFICIALS)} {name}", kinds.OFFICIAL, phone(rng)
        return f"{name}（虎林籍在外人士）", kinds.TOWNSMAN, phone(rng)
    if channel == "agency":
        trade = rng.choice(NAME_FIRST) + rng.choice(NAME_SECOND)
        return f"{city}{trade}招商咨询有限公司", kinds.AGENT, phone(rng)
    if channel == "resident":
        return f"驻{city}招商小分队", kinds.OFFICIAL, ""
    if channel == "expo":
        return rng.choice(EXPOS), kinds.OTHER, ""
    return "", "", ""


def follow_up_text(
    rng: random.Random, method: str, contact: str, city: str, industry_name: str
) -> str:
    response = rng.choice(RESPONSES)
    topic = rng.choice(TOPICS)
    if method == Method.PHONE:
        return f"电话联系{contact}，了解企业投资进展，对方{response}。"
    if method == Method.VISIT:
        return (
            f"赴{city}走访企业，与{contact}座谈，介绍虎林{rng.choice(ADVANTAGES)}；企业{response}。"
        )
    if method == Method.RECEPTION:
        return f"接待{contact}一行来虎林，参观{rng.choice(SITES)}，就{topic}交换意见。"
    if method == Method.INSPECTION:
        return f"陪同企业考察{rng.choice(SITES)}，现场查看用地、水电和交通条件；企业{response}。"
    if method == Method.MEETING:
        return f"与{contact}就{topic}进行会谈，企业{response}。"
    if method == Method.ONLINE:
        return f"视频会议沟通{topic}，企业{response}。"
    return f"邀请企业参加{rng.choice(EVENTS)}，现场推介虎林{industry_name}产业。"


def day_time(day: datetime.date, index: int, rng: random.Random, tz: datetime.tzinfo):
    """An office-hours moment on ``day``; ``index`` keeps same-day events in order."""
    minutes = 8 * 60 + 30 + index * 37 + rng.randint(0, 20)
    return datetime.datetime.combine(
        day, datetime.time(minutes // 60 % 24, minutes % 60), tzinfo=tz
    )


def plan_lead(
    who: Identity, ref: Reference, *, today: datetime.date, now: datetime.datetime, many: bool
) -> Plan:
    """Lead ``who`` with its stage history and follow-ups, laid out backwards from today."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    serial, name, industry_code, region_code = who.serial, who.name, who.industry, who.region
    city, admin_code = who.city, who.admin_code
    rng = random.Random(SEED * 2_000_003 + serial)
    stage = STAGE_CYCLE[serial % len(STAGE_CYCLE)]
    channel = ref.channels[serial % len(ref.channels)] if serial < 40 else rng.choice(ref.channels)
    path = stage_path(rng, stage)
    reached = set(path)
    verified = Stage.SCREEN in reached
    docked = Stage.DOCK in reached

    codes = ref.task_force_of[industry_code]
    # A generator of its own, so that the demo's single task force per industry leaves the
    # lead's other draws as they were.
    tf_code = codes[random.Random(SEED + serial).randrange(len(codes))]
    task_force = ref.task_forces[tf_code] if docked or rng.random() < 0.75 else None
    if task_force is not None:
        team = ref.members[tf_code]
        owner = rng.choice(team) if rng.random() < 0.85 else task_force.leader
        approver = task_force.leader
    else:
        owner = rng.choice(ref.officers)
        approver = rng.choice(ref.bureau_leaders)
    if docked and rng.random() < 0.1:
        approver = rng.choice(ref.bureau_leaders)
    creator = owner if rng.random() < 0.85 else approver

    rating = ""
    if docked:
        rating = rng.choices("AB", weights=(40, 60))[0]
    elif verified:
        rating = rng.choices("ABC", weights=(20, 45, 35))[0]
    code = credit_code(admin_code, serial) if verified or rng.random() < 0.45 else ""
    due_diligence = ""
    if verified or (code and rng.random() < 0.3):
        extra = rng.choice(DD_EXTRAS).format(n=rng.randint(1, 30))
        due_diligence = (
            f"经国家企业信用信息公示系统核实：企业成立于{rng.randint(1998, 2021)}年，"
            f"注册资本{rng.randint(1, 200) * 100}万元，登记状态存续，无经营异常和严重失信记录。"
            + extra
        )
    contact, pinyin = person(rng)
    ref_name, ref_kind, ref_contact = referrer(rng, channel.code, city)
    link_choices = ref.links.get(industry_code, [])
    chain_link = rng.choice(link_choices) if link_choices else None
    chain_role = ""
    if chain_link is not None or rng.random() < 0.5:
        chain_role = rng.choices(
            [Lead.ChainRole.EXTEND, Lead.ChainRole.FILL, Lead.ChainRole.STRENGTHEN],
            weights=(35, 30, 35),
        )[0]
    amount = investment(rng)
    intent = rng.choice(INTENTS[industry_code]).format(amount=amount, n=rng.randint(2, 9))

    # --- the history: creation, the moves, and follow-ups between them ---
    moves = list(itertools.pairwise(path))
    low, high = (0, 1) if many else (0, 2)
    fu_range = {
        Stage.COLLECT: (low, high),
        Stage.SCREEN: (1, 2 if many else 3),
        Stage.DOCK: (1 if many else 2, 3 if many else 5),
        Stage.SERVE: (1 if many else 2, 3 if many else 6),
        Stage.DROPPED: (0, 1 if many else 3),
    }[stage]
    n_follow_ups = rng.randint(*fu_range)

    stale = settings.LEAD_STALE_DAYS.get(stage, 0)
    window = max(stale - 1, 0)
    mode = "fresh"
    if stage == Stage.DROPPED:
        mode = "dropped"
        last_day = today - datetime.timedelta(days=rng.randint(3, 200))
    elif rng.random() < OVERDUE_SHARE:
        mode = "missed" if window >= 1 and rng.random() < 0.5 else "stale"
        if mode == "missed":
            n_follow_ups = max(n_follow_ups, 1)
            last_day = today - datetime.timedelta(days=rng.randint(1, window))
        else:
            last_day = today - datetime.timedelta(days=stale + rng.randint(1, 45))
    else:
        last_day = today - datetime.timedelta(days=rng.randint(0, window))

    kinds: list[Any] = ["create"]
    slots: list[list[str]] = [[] for _slot in range(len(moves) + 1)]
    for _follow_up in range(n_follow_ups):
        slots[rng.randint(0, len(moves))].append("follow_up")
    for index in range(len(moves) + 1):
        if index:
            kinds.append(moves[index - 1])
        kinds += slots[index]
    if mode == "missed" and kinds[-1] != "follow_up":
        kinds.remove("follow_up")
        kinds.append("follow_up")

    span_range = {
        Stage.COLLECT: (0, 40),
        Stage.SCREEN: (5, 120),
        Stage.DOCK: (20, 240),
        Stage.SERVE: (60, 400),
        Stage.DROPPED: (10, 300),
    }[stage]
    span = rng.randint(*span_range) if len(kinds) > 1 else 0
    offsets = sorted(rng.randint(0, span) for _event in range(len(kinds) - 2))
    offsets = [0, *offsets, span][: len(kinds)] if len(kinds) > 1 else [0]
    first_day = last_day - datetime.timedelta(days=span)
    moments = []
    for index, offset in enumerate(offsets):
        moment = day_time(first_day + datetime.timedelta(days=offset), index, rng, tz)
        # Events of today happened before now, in order.
        moments.append(min(moment, now - datetime.timedelta(minutes=3 * (len(offsets) - index))))

    industry_name = ref.industries[industry_code].name
    contact_called = f"{contact[0]}{rng.choice(TITLES)}"
    transitions: list[LeadTransition] = []
    follow_ups: list[FollowUp] = []
    current = Stage.COLLECT
    stage_entered_at = moments[0]
    actor_of_last = creator
    for kind, moment in zip(kinds[1:], moments[1:], strict=True):
        if kind == "follow_up":
            method = rng.choice(STAGE_METHODS.get(current, STAGE_METHODS[Stage.COLLECT]))
            who = owner if rng.random() < 0.8 else approver
            participants = (
                f"{who.full_name}、{owner.full_name}；企业方：{contact_called}"
                if who != owner
                else f"{owner.full_name}；企业方：{contact_called}"
            )
            follow_ups.append(
                FollowUp(
                    occurred_on=timezone.localtime(moment, tz).date(),
                    method=method,
                    participants=participants,
                    summary=follow_up_text(rng, method, contact_called, city, industry_name),
                    outcome=rng.choice(OUTCOMES),
                    created_by=who,
                    created_at=moment,
                )
            )
            actor_of_last = who
            continue
        from_stage, to_stage = kind
        if to_stage == Stage.DROPPED:
            actor, reason = rng.choice((owner, approver)), rng.choice(DROP_REASONS)
        elif from_stage == Stage.DROPPED:
            actor, reason = owner, rng.choice(REOPEN_REASONS)
        elif needs_reason(from_stage, to_stage):
            actor, reason = approver, BACK_REASONS[to_stage]
        elif to_stage == Stage.DOCK:
            actor, reason = approver, rng.choice(DOCK_NOTES)
        else:
            actor, reason = (owner if rng.random() < 0.8 else approver), ""
        transitions.append(
            LeadTransition(
                from_stage=from_stage,
                to_stage=to_stage,
                actor=actor,
                reason=reason,
                moved_at=moment,
            )
        )
        current, stage_entered_at, actor_of_last = to_stage, moment, actor

    # Each follow-up planned the next one; the latest one's plan decides the lead's due date.
    next_days = [fu.occurred_on for fu in follow_ups[1:]]
    for fu, planned in zip(follow_ups, next_days, strict=False):
        fu.next_follow_up_on = planned
    if follow_ups:
        latest = follow_ups[-1]
        if mode == "fresh":
            latest.next_follow_up_on = (
                today + datetime.timedelta(days=rng.randint(1, 21)) if rng.random() < 0.85 else None
            )
        elif mode == "missed":
            latest.next_follow_up_on = latest.occurred_on + datetime.timedelta(
                days=rng.randint(0, (today - latest.occurred_on).days - 1)
            )
        elif mode == "stale":
            latest.next_follow_up_on = latest.occurred_on + datetime.timedelta(
                days=rng.randint(3, 14)
            )
    stage_entered_on = timezone.localtime(stage_entered_at, tz).date()
    last_follow_up_on = follow_ups[-1].occurred_on if follow_ups else None
    lead = Lead(
        company_name=name,
        company_key=normalize_company_name(name),
        credit_code=code,
        industry=ref.industries[industry_code],
        chain_link=chain_link,
        chain_role=chain_role,
        channel=channel,
        referrer_name=ref_name,
        referrer_kind=ref_kind,
        referrer_contact=ref_contact,
        region=ref.regions.get(region_code),
        contact_name=contact,
        contact_phone=phone(rng),
        contact_email=f"{pinyin}{rng.randint(10, 9999)}@example.com" if rng.random() < 0.3 else "",
        planned_investment=None if stage == Stage.COLLECT and rng.random() < 0.2 else amount,
        intent=intent,
        rating=rating,
        due_diligence_note=due_diligence,
        owner=owner,
        task_force=task_force,
        stage=stage,
        stage_entered_at=stage_entered_at,
        next_follow_up_on=follow_ups[-1].next_follow_up_on if follow_ups else None,
        last_follow_up_on=last_follow_up_on,
        last_activity_on=max(filter(None, (stage_entered_on, last_follow_up_on))),
        version=1 + len(transitions) + len(follow_ups),
        created_by=creator,
        updated_by=actor_of_last,
        created_at=moments[0],
        updated_at=moments[-1],
    )
    return Plan(lead=lead, transitions=transitions, follow_ups=follow_ups)


def lead_identities(count: int) -> list[Identity]:
    """Leads 0 … count-1: company names distinct after normalisation, the same on every run.

    Lead ``i``'s names are drawn from a generator seeded by ``i`` alone; a name an earlier lead
    already has is drawn again, so the list depends only on ``count``'s prefix.
    """
    taken: set[str] = set()
    identities = []
    for serial in range(count):
        rng = random.Random(SEED * 1_000_003 + serial)
        industry = rng.choices(list(INDUSTRY_WEIGHTS), weights=list(INDUSTRY_WEIGHTS.values()))[0]
        region = rng.choices(list(REGION_WEIGHTS), weights=list(REGION_WEIGHTS.values()))[0]
        while True:
            city, admin_code = rng.choice(PLACES[region])
            name = company_name(rng, industry, city, region)
            key = normalize_company_name(name)
            if key not in taken:
                break
        taken.add(key)
        identities.append(Identity(serial, name, industry, region, city, admin_code))
    return identities


# ---------------------------------------------------------------------------------------------
# Writing


def load_reference(options: dict[str, Any] | None = None) -> Reference:
    """Load the reference data, users and task forces the generator needs, once.

    ``options`` are ``seed_demo``'s: ``--users`` and ``--task-forces`` name the bureau
    (``crm.demo.specs_for``).
    """
    user_specs, task_force_specs = specs_for(options or {})
    users = {
        u.username: u for u in User.objects.filter(username__in=[d.username for d in user_specs])
    }
    task_forces = {
        tf.code: tf
        for tf in TaskForce.objects.filter(
            code__in=[d.code for d in task_force_specs]
        ).select_related("leader")
    }
    missing = {d.code for d in task_force_specs} - set(task_forces)
    if missing or len(users) != len(user_specs):
        raise RuntimeError(_("演示用户和专班缺失：请先运行 crm.demo 这一步。"))
    task_force_of: dict[str, list[str]] = {}
    for spec in task_force_specs:
        for industry in spec.lead_industries:
            task_force_of.setdefault(industry, []).append(spec.code)
    members = {
        spec.code: [users[d.username] for d in user_specs if spec.code in d.member_of]
        or [task_forces[spec.code].leader]
        for spec in task_force_specs
    }
    links: dict[str, list[ChainLink]] = {}
    for link in ChainLink.objects.select_related("chain__industry"):
        links.setdefault(link.chain.industry.code, []).append(link)
    return Reference(
        industries={i.code: i for i in Industry.objects.all()},
        channels=list(Channel.objects.filter(is_active=True).order_by("sort_order", "code")),
        regions={r.code: r for r in Region.objects.all()},
        links=links,
        task_forces=task_forces,
        task_force_of=task_force_of,
        members=members,
        officers=[users[d.username] for d in user_specs if d.role == User.Role.OFFICER],
        bureau_leaders=[users[d.username] for d in user_specs if d.role == User.Role.BUREAU_LEADER],
    )


@contextmanager
def given_timestamps() -> Iterator[None]:
    """Let ``bulk_create`` write the planned past timestamps instead of "now".

    ``auto_now``/``auto_now_add`` fields overwrite any value on insert; history laid out over
    the past months needs its own dates, so the flags are lifted for the duration.
    """
    fields: list[Field] = [
        Lead._meta.get_field("created_at"),
        Lead._meta.get_field("updated_at"),
        LeadTransition._meta.get_field("moved_at"),
        FollowUp._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def write_batch(plans: list[Plan]) -> tuple[int, int]:
    """Insert one batch of leads and their history in one transaction."""
    with transaction.atomic():
        Lead.objects.bulk_create([p.lead for p in plans], batch_size=500)
        transitions, follow_ups = [], []
        for plan in plans:
            for row in plan.transitions:
                row.lead_id = plan.lead.pk
                transitions.append(row)
            for row in plan.follow_ups:
                row.lead_id = plan.lead.pk
                follow_ups.append(row)
        LeadTransition.objects.bulk_create(transitions, batch_size=1000)
        FollowUp.objects.bulk_create(follow_ups, batch_size=1000)
    return len(transitions), len(follow_ups)


def seed(*, stdout: TextIO, options: dict[str, Any]) -> None:
    """Create the demo leads that are missing (``options["leads"]`` of them in all)."""
    count = int(options.get("leads") or DEFAULT_LEADS)
    started = time.monotonic()
    ref = load_reference(options)
    today = timezone.localdate()
    many = count > MANY_LEADS
    now = timezone.now()
    identities = lead_identities(count)
    existing_keys = set(Lead.objects.values_list("company_key", flat=True))
    existing_codes = set(Lead.objects.exclude(credit_code="").values_list("credit_code", flat=True))

    created = existing = moves = follow_ups = skipped = 0
    batch: list[Plan] = []
    with given_timestamps():
        for who in identities:
            if normalize_company_name(who.name) in existing_keys:
                existing += 1
                continue
            plan = plan_lead(who, ref, today=today, now=now, many=many)
            if plan.lead.credit_code in existing_codes:
                skipped += 1  # someone registered this code by hand; leave their lead alone
                continue
            batch.append(plan)
            if len(batch) >= BATCH_SIZE:
                written = write_batch(batch)
                created, moves, follow_ups = (
                    created + len(batch),
                    moves + written[0],
                    follow_ups + written[1],
                )
                batch = []
                stdout.write(
                    _("  已写入 %(count)s 条线索（%(seconds)d 秒）")
                    % {"count": f"{created:,}", "seconds": time.monotonic() - started}
                )
        if batch:
            written = write_batch(batch)
            created, moves, follow_ups = (
                created + len(batch),
                moves + written[0],
                follow_ups + written[1],
            )
    if created:
        stdout.write(
            _(
                "线索：新建 %(created)s 条（原有 %(existing)s 条），阶段记录 %(moves)s 条，"
                "跟进记录 %(follow_ups)s 条（%(seconds).1f 秒）。"
            )
            % {
                "created": f"{created:,}",
                "existing": f"{existing:,}",
                "moves": f"{moves:,}",
                "follow_ups": f"{follow_ups:,}",
                "seconds": time.monotonic() - started,
            }
        )
    else:
        stdout.write(_("演示线索已存在（%(count)s 条），未新建。") % {"count": f"{count:,}"})
    if skipped:
        stdout.write(
            _("有 %(count)d 条演示线索的统一社会信用代码已被其他线索占用，已跳过。")
            % {"count": skipped}
        )
    seed_approvals(stdout=stdout)
    seed_targets(stdout=stdout)


# Approvals


# What each leader finds: (past the SLA, days since it was asked, decision); past the SLA
# adds the schedule's ``approval_sla_days`` to the days. A decision of None still waits, True
# was approved, False was sent back.
APPROVAL_PLAN: tuple[tuple[bool, int, bool | None], ...] = (
    (True, 2, None),  # red on the team page and in the leader's digest
    (False, 1, None),
    (False, 5, False),
    (False, 4, True),
)
APPROVAL_NOTES = (
    "已完成尽职调查，企业评级较高，计划下月来虎林实地考察，申请进入对接。",
    "企业投资意向明确，已初步商定考察行程，申请进入对接阶段。",
    "企业与我市龙头企业有配套合作意向，建议尽快对接洽谈。",
    "经多次电话沟通，企业希望了解园区用地和电价政策，申请进入对接。",
)
RETURN_COMMENT = "请补充企业近三年经营情况和拟投资金来源后再提请。"
APPROVE_COMMENT = "同意进入对接，专班牵头洽谈。"


def seed_approvals(*, stdout: TextIO) -> None:
    """A few 提请审批 for each task force's leader, some waiting past the SLA, some decided,
    made through ``leads.services`` so they obey the pipeline's rules and notify like a
    user's. Created once: a rerun finds the demo's requests by their notes and adds none.

    The services date a request now; the demo's history runs backwards from today, so each
    request is then dated back to a morning after its lead entered 筛选.
    """
    if ApprovalRequest.objects.filter(note__in=APPROVAL_NOTES).exists():
        stdout.write(_("演示审批已存在，未新建。"))
        return
    sla_days = ReminderSchedule.current().approval_sla_days
    today = timezone.localdate()
    created = 0
    with transaction.atomic():
        for task_force in TaskForce.objects.filter(
            is_active=True, leader__isnull=False
        ).select_related("leader"):
            candidates = list(
                Lead.objects.filter(
                    task_force=task_force,
                    stage=Stage.SCREEN,
                    rating__in=[Lead.Rating.A, Lead.Rating.B],
                    owner__role=User.Role.OFFICER,
                    owner__is_active=True,
                    approval_requests__isnull=True,
                )
                .select_related("owner")
                .order_by("stage_entered_at", "id")[:20]
            )
            for (past_sla, days, decision), note in zip(APPROVAL_PLAN, APPROVAL_NOTES, strict=True):
                day = today - datetime.timedelta(days=days + (sla_days if past_sla else 0))
                asked = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
                lead = next((c for c in candidates if c.stage_entered_at <= asked), None)
                if lead is None:
                    continue
                candidates.remove(lead)
                approval = approval_request(lead=lead, actor=lead.owner, note=note)
                ApprovalRequest.objects.filter(pk=approval.pk).update(requested_at=asked)
                if decision is not None:
                    approval_decide(
                        request=approval,
                        actor=task_force.leader,
                        approve=decision,
                        comment=APPROVE_COMMENT if decision else RETURN_COMMENT,
                    )
                created += 1
    stdout.write(_("审批：新建 %(count)d 项提请审批（含已审批的）。") % {"count": created})


# Target enterprises (目标企业库), and a chain whose gaps they are filed against


@dataclass(frozen=True)
class DemoTarget:
    """One demo target enterprise. An open one has a name of its own (``place_code`` gives its
    credit code; empty: not known yet). A converted one has none: the oldest active lead of its
    link that no target claims becomes it, so the demo shows targets that turned into leads
    without adding leads to the demo's count."""

    link: str
    role: str
    reason: str
    name: str = ""
    owner: str = ""  # username; a converted target takes its lead's owner
    region: str = ""
    place_code: str = ""
    contact_hint: str = ""


# A chain the bureau mapped after the demo's leads were logged, so no lead is filed under it:
# its links show the map's three states (local anchors; a gap with targets filed but no lead
# yet; a bare gap). Leads added later (``--leads`` raised) may be filed under it.
ENERGY_CHAIN = ("energy-chain", "新能源产业链", "new-energy")
ENERGY_LINKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "energy-wind-solar",
        "风电光伏开发",
        ("虎林市华风新能源发电有限公司", "虎林市兴凯湖光伏电站有限公司"),
    ),
    ("energy-biomass", "生物质热电（秸秆、稻壳）", ("虎林市生物质热电有限公司",)),
    ("energy-equipment", "装备制造与运维服务", ()),
    ("energy-storage", "储能与绿电应用", ()),
)

DEMO_TARGETS: tuple[DemoTarget, ...] = (
    DemoTarget(
        "rice-deep",
        "fill",
        "补齐精深加工环节：米糠榨油、米粉和米饮品，可带动本地稻米转化，提高副产品附加值。",
        "江苏稻香源米糠油有限公司",
        "wang_zs",
        "yangtze-delta",
        "320500",
        "经苏州虎林商会引荐",
    ),
    DemoTarget(
        "rice-deep",
        "extend",
        "延伸稻米产业链，发展方便米粉、米线，就地消化本地碎米。",
        "广州谷润米粉食品有限公司",
        "li_hong",
        "pearl-delta",
        "440100",
        "粤港澳大湾区招商推介会上结识",
    ),
    DemoTarget(
        "rice-brand",
        "fill",
        "补齐冷链仓储和城市配送，支撑「虎林大米」鲜米直供长三角。",
        "杭州鲜链冷链物流有限公司",
        "wang_zs",
        "yangtze-delta",
        "330100",
    ),
    DemoTarget(
        "pharma-extract",
        "fill",
        "本地中药材只能作为原料外销，引进提取和饮片加工可就地转化五味子、刺五加。",
        "成都本草萃取生物科技有限公司",
        "zhang_wei",
        "other",
        "510000",
        "药业专班赴成都考察时对接",
    ),
    DemoTarget(
        "pharma-sales",
        "fill",
        "补齐医药流通环节，用好两票制政策在虎林设立区域配送中心。",
        "广州医通医药供应链有限公司",
        "yang_fan",
        "pearl-delta",
        "440100",
    ),
    DemoTarget(
        "dairy-product",
        "extend",
        "延伸乳品链条，上马奶酪、低温酸奶等高端新品，提高本地鲜奶溢价。",
        "上海乐醇乳品科技有限公司",
        "li_hong",
        "yangtze-delta",
        "310000",
        "进博会上接触，对方有意在东北布局工厂",
    ),
    DemoTarget(
        "dairy-cold",
        "fill",
        "补齐乳品冷链短板，建设低温仓储和东北区域配送网络。",
        "沈阳北冷链物流有限公司",
        "li_hong",
        "northeast",
        "210100",
    ),
    DemoTarget(
        "bee-standard",
        "fill",
        "引进第三方检测认证机构，支撑以企业标准代替行业标准，抢占蜂产品市场话语权。",
        "福建蜂之源检测认证有限公司",
        "ma_lin",
        "other",
        "350000",
        "经福建省蜂产品协会介绍",
    ),
    DemoTarget(
        "energy-equipment",
        "fill",
        "补齐风电装备制造环节：塔筒、叶片就近配套，降低本地风电项目建设成本。",
        "江苏风驰装备制造有限公司",
        "yang_fan",
        "yangtze-delta",
        "320200",
    ),
    DemoTarget(
        "energy-equipment",
        "fill",
        "本地风电、光伏装机逐年增加，引进集中运维服务商，运维需求稳定。",
        "天津运维通新能源技术服务有限公司",
        "zhou_jie",
        "jing-jin-ji",
        "120000",
        "哈洽会虎林专场推介会上对接",
    ),
    DemoTarget(
        "energy-biomass",
        "strengthen",
        "建设秸秆收储运体系，保障生物质热电原料供应，带动农民增收。",
        "山东绿能秸秆综合利用有限公司",
        "zhou_jie",
        "other",
    ),
    DemoTarget("rice-seed", "strengthen", "寒地水稻良种选育和繁育基地，为本地种植提供优质种源。"),
    DemoTarget("rice-deep", "extend", "米饮品和米糠深加工，延长稻米产业链、提高附加值。"),
    DemoTarget("pharma-oem", "strengthen", "用好上市许可持有人制度，引进代加工和委托生产业务。"),
    DemoTarget("bee-products", "extend", "蜂胶、蜂王浆深加工，提高蜂产品附加值。"),
)
# Open targets' credit codes come from serials far above any demo lead's.
TARGET_SERIAL_BASE = 10**9


def seed_energy_chain() -> int:
    """Create the 新能源 chain and the links of it that are missing; returns how many."""
    code, name, industry = ENERGY_CHAIN
    chain, _created = IndustryChain.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "industry": Industry.objects.get(code=industry),
            "sort_order": IndustryChain.objects.count(),
        },
    )
    existing = set(ChainLink.objects.filter(chain=chain).values_list("code", flat=True))
    created = 0
    for position, (link_code, link_name, local) in enumerate(ENERGY_LINKS, start=1):
        if link_code in existing:
            continue
        ChainLink.objects.create(
            chain=chain,
            code=link_code,
            name=link_name,
            position=position,
            local_enterprises="\n".join(local),
        )
        created += 1
    return created


def _target_task_force(link: ChainLink, task_forces: dict[str, TaskForce]) -> TaskForce | None:
    """The demo task force working the link's industry."""
    industry = link.chain.industry.code
    code = next((tf.code for tf in DEMO_TASK_FORCES if industry in tf.lead_industries), None)
    return task_forces.get(code) if code else None


def seed_targets(*, stdout: TextIO) -> None:
    """The 目标企业库: ``DEMO_TARGETS`` that are missing, written directly (like the leads) and
    obeying the services' rules: the owner belongs to the task force, credit codes are valid and
    held by nobody else. Open targets are keyed by company name, converted ones by link and
    reason, so a rerun adds nothing."""
    with transaction.atomic():
        links_created = seed_energy_chain()
        links = {link.code: link for link in ChainLink.objects.select_related("chain__industry")}
        users = {user.username: user for user in User.objects.filter(is_active=True)}
        task_forces = {tf.code: tf for tf in TaskForce.objects.all()}
        keys = set(TargetEnterprise.objects.values_list("company_key", flat=True))
        created = 0
        for serial, spec in enumerate(DEMO_TARGETS):
            link = links.get(spec.link)
            if link is None:
                continue
            if spec.name:
                target = _open_target(spec, link, serial, users, task_forces, keys)
            else:
                target = _converted_target(spec, link)
            if target is not None:
                target.save()
                keys.add(target.company_key)
                created += 1
    if created or links_created:
        stdout.write(
            _("目标企业：新建 %(count)d 家；新能源产业链：新建 %(links)d 个环节。")
            % {"count": created, "links": links_created}
        )
    else:
        stdout.write(_("演示目标企业已存在，未新建。"))


def _open_target(
    spec: DemoTarget,
    link: ChainLink,
    serial: int,
    users: dict[str, User],
    task_forces: dict[str, TaskForce],
    keys: set[str],
) -> TargetEnterprise | None:
    key = normalize_company_name(spec.name)
    owner = users.get(spec.owner)
    if key in keys or owner is None:
        return None
    code = credit_code(spec.place_code, TARGET_SERIAL_BASE + serial) if spec.place_code else ""
    if code and (
        Lead.objects.filter(credit_code=code).exists()
        or TargetEnterprise.objects.filter(credit_code=code).exists()
    ):
        code = ""
    return TargetEnterprise(
        company_name=spec.name,
        company_key=key,
        credit_code=code,
        chain_link=link,
        chain_role=spec.role,
        region=Region.objects.filter(code=spec.region).first(),
        reason=spec.reason,
        contact_hint=spec.contact_hint,
        owner=owner,
        task_force=_target_task_force(link, task_forces),
        created_by=owner,
        updated_by=owner,
    )


def _converted_target(spec: DemoTarget, link: ChainLink) -> TargetEnterprise | None:
    if TargetEnterprise.objects.filter(chain_link=link, reason=spec.reason).exists():
        return None
    lead = (
        Lead.objects.filter(
            chain_link=link,
            stage__in=Lead.ACTIVE_STAGES,
            owner__isnull=False,
            target__isnull=True,
        )
        .exclude(
            credit_code__in=TargetEnterprise.objects.exclude(credit_code="").values("credit_code")
        )
        .order_by("id")
        .first()
    )
    if lead is None:
        return None
    return TargetEnterprise(
        company_name=lead.company_name,
        company_key=lead.company_key,
        credit_code=lead.credit_code,
        chain_link=link,
        chain_role=lead.chain_role or spec.role,
        region=lead.region,
        reason=spec.reason,
        owner=lead.owner,
        task_force=lead.task_force,
        lead=lead,
        created_by=lead.owner,
        updated_by=lead.owner,
    )
