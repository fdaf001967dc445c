"""Demo data for the floor: the users and task forces of a Hulin investment-promotion bureau.

``DEMO_USERS`` and ``DEMO_TASK_FORCES`` are the one list of demo logins and 专班 that the
``seed_demo`` command, the README and the tests rely on. ``seed`` follows the contract of
``dashboard.management.commands.seed_demo``: it creates what is missing, keyed by username and
task-force code, and leaves existing rows (and passwords a user has changed) alone.
"""

from dataclasses import dataclass
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Industry, TaskForce, User

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


@transaction.atomic
def seed(*, stdout: TextIO, options: dict[str, Any]) -> None:
    """Create the demo users and task forces that are missing (see the module docstring)."""
    existing = set(
        User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    # Hashing is deliberately slow; the password is public, so one hash serves every new user.
    password_hash = make_password(DEMO_PASSWORD) if len(existing) < len(DEMO_USERS) else ""
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
        for spec in DEMO_USERS
        if spec.username not in existing
    ]
    User.objects.bulk_create(new_users)
    users = {
        u.username: u for u in User.objects.filter(username__in=[s.username for s in DEMO_USERS])
    }

    industries = {i.code: i for i in Industry.objects.all()}
    existing_tf = set(
        TaskForce.objects.filter(code__in=[tf.code for tf in DEMO_TASK_FORCES]).values_list(
            "code", flat=True
        )
    )
    created_tf = 0
    for spec in DEMO_TASK_FORCES:
        if spec.code in existing_tf:
            continue
        leader = next(u for u in DEMO_USERS if spec.code in u.leads)
        task_force = TaskForce.objects.create(
            code=spec.code,
            name=spec.name,
            leader=users[leader.username],
            industry=industries.get(spec.industry) if spec.industry else None,
            description=spec.description,
        )
        # Membership is set only when the task force is new, so a rerun keeps an
        # administrator's later changes.
        task_force.members.add(*[users[u.username] for u in DEMO_USERS if spec.code in u.member_of])
        created_tf += 1

    if new_users or created_tf:
        stdout.write(
            _("用户：新建 %(users)d 个；专班：新建 %(task_forces)d 个。")
            % {"users": len(new_users), "task_forces": created_tf}
        )
    else:
        stdout.write(_("演示用户和专班已存在，未作改动。"))
