"""Demo data for the floor: the users and task forces of a Hulin investment-promotion bureau.

``DEMO_USERS`` and ``DEMO_TASK_FORCES`` are the one list of demo logins and 专班 that the
``seed_demo`` command, the README and the tests rely on. ``seed`` follows the contract of
``dashboard.management.commands.seed_demo``: it creates what is missing, keyed by username and
task-force code, and leaves existing rows (and passwords a user has changed) alone.

``--users`` and ``--task-forces`` grow the bureau to a benchmark's size (``scaled_specs``): the
demo's seven 专班 again as second, third … groups, each with its own leader and officers, so that
the leads spread over them and an officer sees what an officer of a large bureau sees.
"""

import argparse
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import ChainLink, Industry, TaskForce, User

# The one password every demo login uses; documented in the README and printed by seed_demo.
DEMO_PASSWORD = "demo12345"
DEMO_EMAIL_DOMAIN = "hulin.example.cn"


@dataclass(frozen=True)
class DemoUser:
    """One demo login: who they are, their role, and the task forces they lead or belong to."""

    username: str
    full_name: str
    role: str
    title: str
    department: str
    phone: str
    leads: tuple[str, ...] = ()
    member_of: tuple[str, ...] = ()

    @property
    def email(self) -> str:
        return f"{self.username}@{DEMO_EMAIL_DOMAIN}"

    @property
    def task_forces(self) -> tuple[str, ...]:
        """Codes of every task force the user leads or belongs to, led ones first."""
        return self.leads + tuple(code for code in self.member_of if code not in self.leads)


@dataclass(frozen=True)
class DemoTaskForce:
    """One demo 专班 and the industries whose leads it works."""

    code: str
    name: str
    industry: str | None
    lead_industries: tuple[str, ...]
    description: str


Role = User.Role
BUREAU = "虎林市招商服务中心"

DEMO_TASK_FORCES: tuple[DemoTaskForce, ...] = (
    DemoTaskForce(
        "rice",
        "米业专班",
        "rice",
        ("rice",),
        "支持中粮、绿都等优势米业集团向50万吨、100万吨规模进军，推动中小米业整合重组，"
        "打响「虎林大米」品牌，做好延链、补链、强链。",
    ),
    DemoTaskForce(
        "pharma",
        "药业专班",
        "pharma",
        ("pharma",),
        "新品种引进研发、老品种二次开发，用好总部经济、两票制、上市许可人和代加工政策，"
        "推动药业裂变升级。",
    ),
    DemoTaskForce(
        "dairy",
        "乳业专班",
        "dairy",
        ("dairy",),
        "聚焦扩规模、上新品、建牧场、解难题，推动乳业裂变。",
    ),
    DemoTaskForce(
        "bee",
        "蜂业专班",
        "bee",
        ("bee",),
        "以企业标准代替行业标准，抢占市场话语权，推动蜂业裂变。",
    ),
    DemoTaskForce(
        "green-food",
        "绿色食品专班",
        "green-food",
        ("green-food",),
        "坚持「生态优先，绿色先行」，招引绿色有机食品、山特产品精深加工企业。",
    ),
    DemoTaskForce(
        "energy-tourism",
        "新能源与文旅专班",
        "new-energy",
        ("new-energy", "tourism"),
        "风电、光伏、生物质能源项目，以及珍宝岛、虎头要塞、月牙湖等文旅康养项目。",
    ),
    DemoTaskForce(
        "livelihood",
        "民生项目专班",
        "other",
        ("logistics", "other"),
        "基础设施补短板和民生基础项目，兼顾商贸物流等其他产业线索；全力争取中央预算内和债券资金。",
    ),
)

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "赵国栋", Role.ADMIN, "系统管理员", "信息中心", "13904671001"),
    DemoUser("juzhang", "孙立军", Role.BUREAU_LEADER, "局长", BUREAU, "13904671002"),
    DemoUser("fujuzhang", "周晓燕", Role.BUREAU_LEADER, "副局长", BUREAU, "13904671003"),
    DemoUser(
        "liu_mi",
        "刘建国",
        Role.LEADER,
        "米业专班负责人",
        BUREAU,
        "13904671011",
        leads=("rice", "green-food"),
    ),
    DemoUser(
        "chen_yao", "陈志强", Role.LEADER, "药业专班负责人", BUREAU, "13904671012", ("pharma",)
    ),
    DemoUser(
        "zhao_ru",
        "赵丽华",
        Role.LEADER,
        "乳业、蜂业专班负责人",
        BUREAU,
        "13904671013",
        leads=("dairy", "bee"),
    ),
    DemoUser(
        "gao_xy",
        "高新宇",
        Role.LEADER,
        "新能源与文旅、民生项目专班负责人",
        BUREAU,
        "13904671014",
        leads=("energy-tourism", "livelihood"),
    ),
    DemoUser(
        "wang_zs",
        "王志深",
        Role.OFFICER,
        "招商专员",
        BUREAU,
        "13904671021",
        member_of=("rice", "green-food"),
    ),
    DemoUser(
        "li_hong",
        "李红",
        Role.OFFICER,
        "招商专员",
        BUREAU,
        "13904671022",
        member_of=("rice", "dairy"),
    ),
    DemoUser(
        "zhang_wei",
        "张伟",
        Role.OFFICER,
        "招商专员",
        BUREAU,
        "13904671023",
        member_of=("pharma", "livelihood"),
    ),
    DemoUser("ma_lin", "马琳", Role.OFFICER, "招商专员", BUREAU, "13904671024", member_of=("bee",)),
    DemoUser(
        "yang_fan",
        "杨帆",
        Role.OFFICER,
        "招商专员",
        BUREAU,
        "13904671025",
        member_of=("pharma", "energy-tourism"),
    ),
    DemoUser(
        "zhou_jie",
        "周杰",
        Role.OFFICER,
        "招商专员",
        BUREAU,
        "13904671026",
        member_of=("green-food", "energy-tourism"),
    ),
)


def demo_user(username: str) -> DemoUser:
    """The demo user with ``username`` (``KeyError`` if there is none)."""
    for user in DEMO_USERS:
        if user.username == username:
            return user
    raise KeyError(username)


def task_force_name(code: str) -> str:
    return next(tf.name for tf in DEMO_TASK_FORCES if tf.code == code)


def login_rows() -> list[tuple[str, str, str, str, str]]:
    """(username, name, role, task forces, password) of every demo login, for tables."""
    rows = []
    for user in DEMO_USERS:
        led = [_("%(name)s（负责人）") % {"name": task_force_name(code)} for code in user.leads]
        member = [task_force_name(code) for code in user.member_of]
        scope = "、".join(led + member) or (_("全部") if user.role != Role.OFFICER else "")
        rows.append(
            (user.username, user.full_name, str(Role(user.role).label), scope, DEMO_PASSWORD)
        )
    return rows


def login_table_markdown() -> str:
    """The demo logins as a Markdown table (the README's list of demo users)."""
    lines = ["| 用户名 username | 姓名 name | 职务 title | 角色 role | 专班 task forces | 密码 |"]
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for spec, (username, name, role, scope, password) in zip(DEMO_USERS, login_rows(), strict=True):
        lines.append(f"| `{username}` | {name} | {spec.title} | {role} | {scope} | `{password}` |")
    return "\n".join(lines)


# --- a benchmark's bureau: more users and task forces -------------------------------------------

# The extra users' names: drawn by their number, so every run gives the same ones.
EXTRA_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高郑"
EXTRA_GIVEN_NAMES = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀华平刚桂英建国志红玉兰海峰"
GROUP_NUMERALS = "零一二三四五六七八九十"


def group_label(group: int) -> str:
    """第二组 … 第十组, then 第11组: how a bureau numbers the groups of one 专班 (demo data, like
    the demo's names, is not translated)."""
    return f"第{GROUP_NUMERALS[group] if group < len(GROUP_NUMERALS) else group}组"


def extra_person(number: int) -> tuple[str, str]:
    """(full name, mobile number) of extra user ``number``."""
    surname = EXTRA_SURNAMES[number % len(EXTRA_SURNAMES)]
    given = EXTRA_GIVEN_NAMES[(number * 7 + 3) % len(EXTRA_GIVEN_NAMES)]
    if number % 3:
        given += EXTRA_GIVEN_NAMES[(number * 13 + 5) % len(EXTRA_GIVEN_NAMES)]
    return surname + given, f"138{number:08d}"


def scaled_specs(
    *, users: int, task_forces: int
) -> tuple[tuple[DemoUser, ...], tuple[DemoTaskForce, ...]]:
    """The demo's users and task forces grown to ``users`` and ``task_forces`` in all.

    Extra task force ``i`` is the demo's task force ``i mod 7`` again (its industries, a group
    number in its name). Each gets a new leader while new users last (after that the demo
    leader of the original leads it too); the remaining new users are officers spread over the
    extra task forces (every fourth in two of them), or over the demo's when there are none.
    The same arguments give the same specs, so a rerun finds what an earlier run created.
    """
    if users < len(DEMO_USERS) or task_forces < len(DEMO_TASK_FORCES):
        raise ValueError("a bureau smaller than the demo's own")
    demo_count = len(DEMO_TASK_FORCES)
    extra_task_forces = []
    for index in range(task_forces - demo_count):
        base = DEMO_TASK_FORCES[index % demo_count]
        group = index // demo_count + 2
        extra_task_forces.append(
            dataclasses.replace(
                base,
                code=f"{base.code}-{group}",
                name=f"{base.name}（{group_label(group)}）",
            )
        )
    extra_users = users - len(DEMO_USERS)
    new_leaders = min(len(extra_task_forces), extra_users)
    user_specs = {spec.username: spec for spec in DEMO_USERS}
    for index, task_force in enumerate(extra_task_forces[new_leaders:], start=new_leaders):
        base = DEMO_TASK_FORCES[index % demo_count].code
        leader = next(spec for spec in user_specs.values() if base in spec.leads)
        user_specs[leader.username] = dataclasses.replace(
            leader, leads=(*leader.leads, task_force.code)
        )
    for index, task_force in enumerate(extra_task_forces[:new_leaders]):
        name, phone = extra_person(index)
        username = f"leader{index + 1:03d}"
        user_specs[username] = DemoUser(
            username,
            name,
            Role.LEADER,
            f"{task_force.name}负责人",
            BUREAU,
            phone,
            leads=(task_force.code,),
        )
    teams = [tf.code for tf in extra_task_forces or DEMO_TASK_FORCES]
    for index in range(extra_users - new_leaders):
        member_of = (teams[index % len(teams)],)
        if index % 4 == 3 and len(teams) > 1:
            member_of += (teams[(index + 1) % len(teams)],)
        name, phone = extra_person(new_leaders + index)
        username = f"officer{index + 1:04d}"
        user_specs[username] = DemoUser(
            username, name, Role.OFFICER, "招商专员", BUREAU, phone, member_of=member_of
        )
    return tuple(user_specs.values()), DEMO_TASK_FORCES + tuple(extra_task_forces)


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number not below ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("应为整数：%(value)s") % {"value": text}) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                _("不能少于 %(minimum)d（演示数据本身就有这么多）。") % {"minimum": minimum}
            )
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--users`` and ``--task-forces``: the bureau's size, the demo's own rows included."""
    parser.add_argument(
        "--users",
        type=at_least(len(DEMO_USERS)),
        default=len(DEMO_USERS),
        help=_("用户总数，含演示账号（默认 %(default)d；性能测试用 500）。")
        % {"default": len(DEMO_USERS)},
    )
    parser.add_argument(
        "--task-forces",
        type=at_least(len(DEMO_TASK_FORCES)),
        default=len(DEMO_TASK_FORCES),
        help=_("专班总数，含演示专班（默认 %(default)d；性能测试用 50）。")
        % {"default": len(DEMO_TASK_FORCES)},
    )


def specs_for(options: dict[str, Any]) -> tuple[tuple[DemoUser, ...], tuple[DemoTaskForce, ...]]:
    """The users and task forces ``seed_demo``'s options ask for (the demo's when absent)."""
    return scaled_specs(
        users=options.get("users") or len(DEMO_USERS),
        task_forces=options.get("task_forces") or len(DEMO_TASK_FORCES),
    )


@transaction.atomic
def seed(*, stdout: TextIO, options: dict[str, Any]) -> None:
    """Create the demo users and task forces that are missing (see the module docstring)."""
    user_specs, task_force_specs = specs_for(options)
    usernames = [spec.username for spec in user_specs]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    # Hashing is deliberately slow; the password is public, so one hash serves every new user.
    password_hash = make_password(DEMO_PASSWORD) if len(existing) < len(user_specs) else ""
    new_users = [
        User(
            username=spec.username,
            full_name=spec.full_name,
            email=spec.email,
            role=spec.role,
            phone=spec.phone,
            department=spec.department,
            is_staff=spec.role == Role.ADMIN,
            is_superuser=spec.role == Role.ADMIN,
            password=password_hash,
        )
        for spec in user_specs
        if spec.username not in existing
    ]
    User.objects.bulk_create(new_users, batch_size=1000)
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}

    industries = {i.code: i for i in Industry.objects.all()}
    existing_tf = set(
        TaskForce.objects.filter(code__in=[tf.code for tf in task_force_specs]).values_list(
            "code", flat=True
        )
    )
    leader_of = {code: spec.username for spec in user_specs for code in spec.leads}
    members_of: dict[str, list[str]] = {}
    for spec in user_specs:
        for code in spec.member_of:
            members_of.setdefault(code, []).append(spec.username)
    new_task_forces = [
        TaskForce(
            code=spec.code,
            name=spec.name,
            leader=users[leader_of[spec.code]],
            industry=industries.get(spec.industry) if spec.industry else None,
            description=spec.description,
        )
        for spec in task_force_specs
        if spec.code not in existing_tf
    ]
    TaskForce.objects.bulk_create(new_task_forces)
    # Membership is set only when the task force is new, so a rerun keeps an administrator's
    # later changes.
    membership = TaskForce.members.through
    membership.objects.bulk_create(
        membership(taskforce_id=task_force.pk, user_id=users[username].pk)
        for task_force in new_task_forces
        for username in members_of.get(task_force.code, ())
    )

    if new_users or new_task_forces:
        stdout.write(
            _("用户：新建 %(users)d 个；专班：新建 %(task_forces)d 个。")
            % {"users": len(new_users), "task_forces": len(new_task_forces)}
        )
    else:
        stdout.write(_("演示用户和专班已存在，未作改动。"))
    seed_local_enterprises(stdout=stdout)


# --- the 招商图谱's local anchor enterprises ------------------------------------------------------

# Link code → the enterprises already working that link in Hulin (本地龙头企业), one per line as
# the admin keeps them. Links left out have none: with no lead and no project they are gaps.
LOCAL_ENTERPRISES: dict[str, tuple[str, ...]] = {
    "rice-planting": ("虎林市绿野水稻种植专业合作社联合社",),
    "rice-milling": (
        "中粮米业（虎林）有限公司",
        "虎林市绿都米业有限公司",
        "虎林市金穗米业有限公司",
    ),
    "rice-brand": ("黑龙江虎林大米产业发展有限公司",),
    "pharma-herb": ("虎林市北药种植专业合作社",),
    "pharma-drug": ("虎林北药制药有限公司",),
    "dairy-ranch": ("虎林乌苏里乳业有限公司东方红牧场",),
    "dairy-processing": ("虎林乌苏里乳业有限公司", "虎林市兴凯湖乳业有限公司"),
    "bee-breeding": ("虎林市东北黑蜂养殖专业合作社",),
    "bee-honey": ("虎林市椴花蜂业有限公司",),
    "bee-products": ("虎林东方蜂业有限公司",),
}


def seed_local_enterprises(*, stdout: TextIO) -> None:
    """Fill in the local anchor enterprises of the chain links that have none recorded; a link
    an administrator has already filled in is left as it is."""
    links = ChainLink.objects.filter(code__in=LOCAL_ENTERPRISES, local_enterprises="")
    filled = 0
    for link in links:
        link.local_enterprises = "\n".join(LOCAL_ENTERPRISES[link.code])
        link.save(update_fields=["local_enterprises"])
        filled += 1
    if filled:
        stdout.write(_("产业链环节：为 %(count)d 个环节填写了本地龙头企业。") % {"count": filled})
    else:
        stdout.write(_("产业链环节的本地龙头企业已存在，未作改动。"))
