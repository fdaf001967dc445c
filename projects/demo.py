"""Demo projects for ``manage.py seed_demo``: the article's projects and about fifty more.

Builds, through the services (so every move obeys the rules and leaves its history):

- targets for the article's deadlines (signed projects commence by 2027-03-31, framework
  agreements formally signed by 2026-12-31, negotiations break through by year end) plus two
  already past, so some projects are late (livelihood projects commence before winter, upgrade
  framework agreements signed by 2026-09-30);
- the article's projects (省道皖峰至虎林段改扩建, 黑土地保护利用, 高标准农田, 虎林灌区排水治理,
  站前小区棚户区改造扩大, 实验小学易地新建, 中粮 and 绿都 towards 500,000 and 1,000,000 tonnes …)
  and generated industrial and upgrade projects across every status;
- a signed (or later) project for every serve-stage lead without one, and projects converted
  from a few docking leads;
- progress reports (some with problems to coordinate), tasks (some overdue), a capital
  increase and 对上争取 applications.

Idempotent: projects are keyed by name (and a lead by its link), targets by description,
applications by title; a second run creates nothing.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from crm.models import Industry, TaskForce, User
from crm.validators import credit_code_check_character
from leads.models import Lead
from projects import services
from projects.models import (
    AnnualGoal,
    FundsArrival,
    Project,
    ProjectTransition,
    SupportApplication,
    Target,
)

SEED = 20261128
S = Project.Status


def funds_instalments(
    total: Decimal, signed_on: datetime.date, today: datetime.date, rng: random.Random
) -> list[tuple[datetime.date, Decimal]]:
    """``total`` (whole 万元) split into one to three arrivals between signing and today."""
    total = total.quantize(Decimal(1))
    if total <= 0:
        return []
    span = max((today - signed_on).days, 0)
    count = min(rng.randint(1, 3), int(total))
    days = sorted(signed_on + datetime.timedelta(days=rng.randint(0, span)) for _ in range(count))
    share = (total / count).quantize(Decimal(1))
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    return list(zip(days, amounts, strict=True))


@dataclass(frozen=True)
class Plan:
    name: str
    category: str
    enterprise: str
    industry: str
    task_force: str
    total: int
    status: str
    leader: str
    location: str = ""
    description: str = ""


LIVELIHOOD = "livelihood"
UPGRADE = "upgrade"
INDUSTRIAL = "industrial"

ARTICLE_PROJECTS = (
    Plan(
        "省道皖峰至虎林段改扩建工程",
        LIVELIHOOD,
        "虎林市交通运输局",
        "other",
        "livelihood",
        86000,
        S.COMMENCED,
        "juzhang",
        "虎林市区至皖峰段",
        "按二级公路标准改扩建，全长约42公里。",
    ),
    Plan(
        "黑土地保护利用项目",
        LIVELIHOOD,
        "虎林市农业农村局",
        "other",
        "livelihood",
        12000,
        S.COMMENCED,
        "fujuzhang",
        "全市各乡镇",
        "保护性耕作、秸秆还田、增施有机肥20万亩。",
    ),
    Plan(
        "高标准农田建设项目（2026年度）",
        LIVELIHOOD,
        "虎林市农业农村局",
        "other",
        "livelihood",
        35000,
        S.SIGNED,
        "fujuzhang",
        "虎头镇、杨岗镇等",
        "新建高标准农田15万亩。",
    ),
    Plan(
        "虎林灌区排水治理工程",
        LIVELIHOOD,
        "虎林市水务局",
        "other",
        "livelihood",
        28000,
        S.SIGNED,
        "juzhang",
        "虎林灌区",
        "干支沟清淤、排水闸站改造。",
    ),
    Plan(
        "站前小区棚户区改造扩大项目",
        LIVELIHOOD,
        "虎林市住房和城乡建设局",
        "other",
        "livelihood",
        22000,
        S.FRAMEWORK,
        "gao_xy",
        "站前小区",
        "改造棚户区住房860户。",
    ),
    Plan(
        "实验小学易地新建项目",
        LIVELIHOOD,
        "虎林市教育局",
        "other",
        "livelihood",
        18000,
        S.FRAMEWORK,
        "gao_xy",
        "城区东部新区",
        "新建36个教学班的小学一所。",
    ),
    Plan(
        "中粮米业50万吨水稻加工扩能项目",
        UPGRADE,
        "中粮米业（虎林）有限公司",
        "rice",
        "rice",
        52000,
        S.SIGNED,
        "juzhang",
        "虎林经济开发区",
        "新上50万吨水稻加工线，向50万吨规模进军。",
    ),
    Plan(
        "绿都米业100万吨现代米业集团项目",
        UPGRADE,
        "虎林市绿都米业有限公司",
        "rice",
        "rice",
        98000,
        S.FRAMEWORK,
        "juzhang",
        "虎林经济开发区",
        "扩能至100万吨，建设烘干仓储和品牌营销中心。",
    ),
    Plan(
        "中小米业整合重组30万吨项目",
        UPGRADE,
        "虎林市金穗米业有限公司",
        "rice",
        "rice",
        31000,
        S.NEGOTIATING,
        "liu_mi",
        "虎林镇",
        "整合6家中小米业，更新技术设备。",
    ),
    Plan(
        "「虎林大米」品牌营销与冷链物流中心",
        INDUSTRIAL,
        "黑龙江虎林大米产业发展有限公司",
        "rice",
        "rice",
        15000,
        S.NEGOTIATING,
        "liu_mi",
        "虎林经济开发区",
        "统一品牌、统一标准、统一营销。",
    ),
    Plan(
        "北药新品种研发及代加工项目",
        UPGRADE,
        "虎林北药制药有限公司",
        "pharma",
        "pharma",
        26000,
        S.COMMENCED,
        "chen_yao",
        "虎林经济开发区",
        "用好上市许可人和代加工制度。",
    ),
    Plan(
        "万头奶牛牧场及乳品新品项目",
        UPGRADE,
        "虎林乌苏里乳业有限公司",
        "dairy",
        "dairy",
        45000,
        S.SIGNED,
        "zhao_ru",
        "东方红镇",
        "扩规模、上新品、建牧场。",
    ),
    Plan(
        "蜂产品精深加工及企业标准项目",
        UPGRADE,
        "虎林东方蜂业有限公司",
        "bee",
        "bee",
        8000,
        S.PRODUCING,
        "zhao_ru",
        "虎头镇",
        "以企业标准代替行业标准。",
    ),
)

GENERATED_KINDS = (
    # (industry, task force, category, name pattern, enterprise pattern, leader)
    (
        "rice",
        "rice",
        INDUSTRIAL,
        "{city}{n}号米糠油精深加工项目",
        "{city}稻香食品科技有限公司{n}",
        "liu_mi",
    ),
    (
        "green-food",
        "green-food",
        INDUSTRIAL,
        "{city}山特产品加工项目（{n}）",
        "{city}绿源食品有限公司{n}",
        "liu_mi",
    ),
    (
        "pharma",
        "pharma",
        INDUSTRIAL,
        "中药材饮片提取项目（{n}）",
        "{city}本草药业有限公司{n}",
        "chen_yao",
    ),
    (
        "dairy",
        "dairy",
        INDUSTRIAL,
        "饲草种植及青贮项目（{n}）",
        "{city}牧草农业发展有限公司{n}",
        "zhao_ru",
    ),
    (
        "new-energy",
        "energy-tourism",
        INDUSTRIAL,
        "风电光伏储能项目（{n}）",
        "{city}新能源开发有限公司{n}",
        "gao_xy",
    ),
    (
        "tourism",
        "energy-tourism",
        INDUSTRIAL,
        "珍宝岛文旅康养项目（{n}）",
        "{city}文旅投资有限公司{n}",
        "gao_xy",
    ),
    (
        "logistics",
        "livelihood",
        INDUSTRIAL,
        "边境口岸商贸物流园项目（{n}）",
        "{city}供应链管理有限公司{n}",
        "fujuzhang",
    ),
)
CITIES = ("上海", "深圳", "北京", "杭州", "哈尔滨", "大连", "苏州", "青岛")
# Status mix of the generated projects (stalled and terminated included).
GENERATED_STATUSES = (
    S.NEGOTIATING,
    S.NEGOTIATING,
    S.FRAMEWORK,
    S.SIGNED,
    S.SIGNED,
    S.COMMENCED,
    S.NEGOTIATING,
    S.FRAMEWORK,
    S.COMMENCED,
    S.PRODUCING,
    S.STALLED,
    S.TERMINATED,
)
GENERATED = 12

TARGETS = (
    # status, goal, category, due, description
    (S.SIGNED, S.COMMENCED, "", datetime.date(2027, 3, 31), "已签约项目明年3月底前全部开工"),
    (S.FRAMEWORK, S.SIGNED, "", datetime.date(2026, 12, 31), "框架协议项目年内全部签订正式协议"),
    (S.NEGOTIATING, S.FRAMEWORK, "", datetime.date(2026, 12, 31), "洽谈项目年内取得突破进展"),
    (S.COMMENCED, S.PRODUCING, "", datetime.date(2027, 12, 31), "开工项目2027年底前投产"),
    (S.SIGNED, S.COMMENCED, LIVELIHOOD, datetime.date(2026, 10, 31), "民生基础项目入冬前开工"),
    (S.FRAMEWORK, S.SIGNED, UPGRADE, datetime.date(2026, 9, 30), "裂变升级项目9月底前签订正式协议"),
)

PROBLEMS = (
    ("用地指标尚未落实，需自然资源局协调", "市自然资源局"),
    ("施工用电增容需电业局配合", "国网虎林供电公司"),
    ("环评批复待省厅审查", "市生态环境局"),
    ("配套道路未接通", "市交通运输局"),
)


def credit_code(serial: int) -> str:
    """A valid demo 统一社会信用代码 for generated project ``serial`` (its own prefix)."""
    first17 = f"91230381XM{serial:07d}"
    return first17 + credit_code_check_character(first17)


def _clip(day: datetime.date, today: datetime.date) -> datetime.date:
    return min(day, today)


def _dates(status: str, rng: random.Random, today: datetime.date) -> dict[str, datetime.date]:
    """Plausible dates for each status reached, in order and never after today."""
    framework = _clip(datetime.date(2026, 2, 1) + datetime.timedelta(rng.randint(0, 120)), today)
    signed = _clip(framework + datetime.timedelta(rng.randint(20, 100)), today)
    commenced = _clip(signed + datetime.timedelta(rng.randint(10, 60)), today)
    producing = _clip(commenced + datetime.timedelta(rng.randint(20, 60)), today)
    return {
        S.FRAMEWORK: framework,
        S.SIGNED: signed,
        S.COMMENCED: commenced,
        S.PRODUCING: producing,
    }


# Serve leads whose projects go through the services; past this many they are bulk-written.
SERVICE_PROJECTS = 200
BULK_BATCH = 2000
# Projects that get demo progress reports and tasks (the board needs some, not thousands).
ACTIVITY_PROJECTS = 300


class Seeder:
    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout
        self.today = timezone.localdate()
        self.users = {user.username: user for user in User.objects.all()}
        self.actor = self.users.get("juzhang") or User.objects.filter(is_superuser=True).first()
        self.task_forces = {tf.code: tf for tf in TaskForce.objects.all()}
        self.industries = {industry.code: industry for industry in Industry.objects.all()}
        self.created = 0

    def user(self, username: str) -> User | None:
        return self.users.get(username)

    def member(self, task_force_code: str, rng: random.Random) -> User | None:
        task_force = self.task_forces.get(task_force_code)
        if task_force is None:
            return None
        members = sorted(task_force.members.all(), key=lambda user: user.pk)
        return rng.choice(members) if members else task_force.leader

    def advance(self, project: Project, status: str, rng: random.Random) -> Project:
        """Move a fresh project up to ``status`` through the rules, with plausible dates."""
        dates = _dates(status, rng, self.today)
        pipeline = [S.FRAMEWORK, S.SIGNED, S.COMMENCED, S.PRODUCING]
        final = status
        if status in (S.STALLED, S.TERMINATED):
            final = rng.choice([S.NEGOTIATING, S.FRAMEWORK, S.SIGNED])
        for step in pipeline:
            if final == S.NEGOTIATING or pipeline.index(step) > pipeline.index(final):
                break
            amount = None
            if step == S.SIGNED:
                amount = project.total_investment * Decimal(rng.choice([80, 90, 100])) / 100
            project = services.project_transition(
                project=project, to=step, actor=self.actor, date=dates[step], signed_amount=amount
            )
        if status == S.STALLED:
            project = services.project_transition(
                project=project,
                to=S.STALLED,
                actor=self.actor,
                reason="企业资金链紧张，项目暂缓推进。",
            )
        elif status == S.TERMINATED:
            project = services.project_transition(
                project=project,
                to=S.TERMINATED,
                actor=self.actor,
                reason="企业战略调整，放弃在虎林投资。",
            )
        if project.status == S.NEGOTIATING:
            since = self.today - datetime.timedelta(days=rng.randint(10, 240))
            Project.objects.filter(pk=project.pk).update(status_changed_on=since)
        if project.reached_signed and project.status != S.STALLED:
            funds = project.signed_amount * Decimal(rng.choice([10, 25, 40, 60, 85, 100])) / 100
            for day, amount in funds_instalments(funds, project.signed_on, self.today, rng):
                services.funds_arrival_record(
                    project=project, actor=self.actor, amount=amount, arrived_on=day
                )
            project.refresh_from_db()
        return project

    def create(
        self, plan: Plan, rng: random.Random, *, credit: str = "", lead: Lead | None = None
    ) -> Project | None:
        if Project.objects.filter(name=plan.name).exists():
            return None
        data: dict[str, Any] = {
            "name": plan.name,
            "category": plan.category,
            "enterprise_name": plan.enterprise,
            "credit_code": "" if plan.category == LIVELIHOOD else credit,
            "industry": self.industries.get(plan.industry),
            "total_investment": Decimal(plan.total),
            "leader": self.user(plan.leader),
            "owner": self.member(plan.task_force, rng),
            "task_force": self.task_forces.get(plan.task_force),
            "department": "虎林市招商服务中心" if plan.category != LIVELIHOOD else plan.enterprise,
            "location": plan.location,
            "description": plan.description,
            "target_commence_on": datetime.date(2027, 3, 31),
            "target_production_on": datetime.date(2027, 12, 31),
        }
        project = services.project_create(actor=self.actor, data=data, lead=lead)
        project = self.advance(project, plan.status, rng)
        self.created += 1
        return project

    def seed_targets(self) -> int:
        created = 0
        for status, goal, category, due_on, description in TARGETS:
            _, made = Target.objects.get_or_create(
                description=description,
                defaults={
                    "status": status,
                    "goal_status": goal,
                    "category": category,
                    "due_on": due_on,
                },
            )
            created += made
        return created

    def seed_goal(self) -> int:
        """This year's goals, set a little above the pace the demo's records keep, so the
        cockpit shows one figure ahead of schedule and one behind."""
        if AnnualGoal.objects.filter(year=self.today.year).exists():
            return 0
        start = datetime.date(self.today.year, 1, 1)
        elapsed = ((self.today - start).days + 1) / 365
        signed = Project.objects.filter(signed_on__gte=start).aggregate(total=Sum("signed_amount"))
        funds = FundsArrival.objects.filter(arrived_on__gte=start).aggregate(total=Sum("amount"))

        def goal(reached: Decimal | None, pace: float) -> Decimal:
            yearly = float(reached or 0) / elapsed * pace
            return Decimal(max(round(yearly / 10_000) * 10_000, 10_000))

        AnnualGoal.objects.create(
            year=self.today.year,
            signed_amount=goal(signed["total"], 0.9),
            funds_in_place=goal(funds["total"], 1.25),
            note="县委县政府下达的年度招商引资目标",
        )
        return 1

    def seed_named(self) -> None:
        for index, plan in enumerate(ARTICLE_PROJECTS):
            self.create(plan, random.Random(SEED + index), credit=credit_code(index + 1))
        for index in range(GENERATED):
            rng = random.Random(SEED * 7 + index)
            kind = GENERATED_KINDS[index % len(GENERATED_KINDS)]
            industry, tf, category, name, enterprise, leader = kind
            city = CITIES[index % len(CITIES)]
            plan = Plan(
                name=name.format(city=city, n=index + 1),
                category=category,
                enterprise=enterprise.format(city=city, n=index + 1),
                industry=industry,
                task_force=tf,
                total=rng.choice([3000, 5000, 8000, 12000, 20000, 35000, 60000]),
                status=GENERATED_STATUSES[index % len(GENERATED_STATUSES)],
                leader=rng.choice([leader, "juzhang", "fujuzhang"]),
                location=rng.choice(["虎林经济开发区", "虎头镇", "东方红镇", "迎春镇"]),
            )
            self.create(plan, rng, credit=credit_code(100 + index))

    def seed_from_leads(self) -> None:
        """A signed (or later) project for each serve lead; a few docking leads converted.

        The first ``SERVICE_PROJECTS`` go through the services like a user's would; the rest
        (a large ``--leads`` gives thousands of serve leads) are written in bulk, with the same
        statuses, dates and transition rows, so that seeding stays a matter of minutes.
        """
        serve = (
            Lead.objects.filter(stage=Lead.Stage.SERVE, project__isnull=True)
            .exclude(credit_code="")
            .exclude(credit_code__in=Project.objects.values("credit_code"))
            .select_related("industry", "chain_link", "task_force__leader", "owner")
            .order_by("id")
        )
        bulk: list[tuple[Lead, str, random.Random]] = []
        for index, lead in enumerate(serve.iterator(chunk_size=2000)):
            rng = random.Random(SEED + lead.pk)
            status = rng.choice([S.SIGNED, S.SIGNED, S.COMMENCED, S.PRODUCING])
            if index >= SERVICE_PROJECTS:
                bulk.append((lead, status, rng))
                if len(bulk) == BULK_BATCH:
                    self.bulk_create_from_leads(bulk)
                    bulk = []
                continue
            project = services.project_create(
                actor=self.actor, data=self.lead_project_data(lead), lead=lead
            )
            self.advance(project, status, rng)
            self.created += 1
        if bulk:
            self.bulk_create_from_leads(bulk)
        docking = Lead.objects.filter(
            stage=Lead.Stage.DOCK, project__isnull=True, owner__isnull=False
        ).exclude(credit_code="")
        already = Project.objects.filter(lead__stage=Lead.Stage.DOCK).count()
        for lead in docking.order_by("id")[: max(0, 4 - already)]:
            if Project.objects.filter(credit_code=lead.credit_code).exists():
                continue
            rng = random.Random(SEED + lead.pk)
            project = services.project_create_from_lead(lead=lead, actor=self.actor)
            self.advance(project, rng.choice([S.NEGOTIATING, S.FRAMEWORK]), rng)
            self.created += 1

    def lead_project_data(self, lead: Lead) -> dict[str, Any]:
        """The fields a project takes over from the serve lead it came from."""
        return {
            "name": f"{lead.company_name}投资项目",
            "category": INDUSTRIAL,
            "enterprise_name": lead.company_name,
            "credit_code": lead.credit_code,
            "industry": lead.industry,
            "chain_link": lead.chain_link,
            "total_investment": lead.planned_investment or Decimal(5000),
            "owner": lead.owner,
            "task_force": lead.task_force,
            "leader": lead.task_force.leader if lead.task_force else self.actor,
            "description": lead.intent,
        }

    def bulk_create_from_leads(self, batch: list[tuple[Lead, str, random.Random]]) -> None:
        """Write signed-or-later projects for serve leads, with their transition rows."""
        steps = [S.FRAMEWORK, S.SIGNED, S.COMMENCED, S.PRODUCING]
        projects, histories = [], []
        for lead, status, rng in batch:
            dates = _dates(status, rng, self.today)
            reached = steps[: steps.index(status) + 1]
            signed_amount = (
                (lead.planned_investment or Decimal(5000)) * rng.choice([80, 90, 100]) / 100
            ).quantize(Decimal("0.01"))
            funds = signed_amount * Decimal(rng.choice([10, 25, 40, 60, 85, 100])) / 100
            projects.append(
                Project(
                    **self.lead_project_data(lead),
                    lead=lead,
                    status=status,
                    status_changed_on=dates[status],
                    framework_signed_on=dates[S.FRAMEWORK],
                    signed_on=dates[S.SIGNED],
                    commenced_on=dates[S.COMMENCED] if S.COMMENCED in reached else None,
                    producing_on=dates[S.PRODUCING] if S.PRODUCING in reached else None,
                    signed_amount=signed_amount,
                    funds_in_place=funds.quantize(Decimal("1")),
                    created_by=self.actor,
                    updated_by=self.actor,
                )
            )
            histories.append([(step, dates[step]) for step in reached])
        Project.objects.bulk_create(projects)
        FundsArrival.objects.bulk_create(
            FundsArrival(project=project, arrived_on=day, amount=amount, created_by=self.actor)
            for project in projects
            if project.funds_in_place
            for day, amount in funds_instalments(
                project.funds_in_place, project.signed_on, self.today, random.Random(project.pk)
            )
        )
        ProjectTransition.objects.bulk_create(
            ProjectTransition(
                project=project,
                from_status=([S.NEGOTIATING, *steps])[index],
                to_status=step,
                occurred_on=day,
                actor=self.actor,
            )
            for project, history in zip(projects, histories, strict=True)
            for index, (step, day) in enumerate(history)
        )
        self.created += len(projects)

    def seed_activity(self) -> tuple[int, int]:
        """Progress reports and tasks for the first ``ACTIVITY_PROJECTS`` projects that have none.

        Capped so that a large ``--leads`` does not spend its time writing thousands of tasks.
        """
        reports = tasks = 0
        first = Project.objects.order_by("id").values("id")[:ACTIVITY_PROJECTS]
        projects = Project.objects.filter(
            id__in=first, progress_reports__isnull=True, tasks__isnull=True
        )
        for project in projects.select_related("owner", "task_force").order_by("id"):
            rng = random.Random(SEED * 3 + project.pk)
            assignee = project.owner or self.actor
            if project.status in (S.SIGNED, S.COMMENCED, S.PRODUCING, S.FRAMEWORK):
                percent = {S.FRAMEWORK: 5, S.SIGNED: 15, S.COMMENCED: 55, S.PRODUCING: 100}
                steps = rng.randint(1, 3)
                for step in range(steps):
                    day = self.today - datetime.timedelta(days=(steps - step) * 14)
                    problem, who = rng.choice(PROBLEMS) if rng.random() < 0.4 else ("", "")
                    report = services.progress_report_create(
                        project=project,
                        actor=assignee,
                        reported_on=day,
                        percent=min(100, percent[project.status] + step * 10),
                        done=rng.choice(
                            [
                                "完成项目备案和能评。",
                                "主体厂房基础施工完成。",
                                "设备招标完成。",
                                "与企业召开调度会，明确下一步节点。",
                                "完成土地摘牌。",
                            ]
                        ),
                        problems=problem,
                        problem_owner=who,
                    )
                    reports += 1
                    if problem and step < steps - 1:
                        services.progress_problem_solve(report=report, actor=self.actor)
            if project.status in Project.OPEN_STATUSES:
                for title, offset in (
                    ("协调解决项目用地和规划手续", rng.randint(-20, 15)),
                    ("督促企业报送本月形象进度", rng.randint(2, 25)),
                ):
                    services.task_create(
                        project=project,
                        actor=self.actor,
                        title=title,
                        assignee=assignee,
                        due_on=self.today + datetime.timedelta(days=offset),
                    )
                    tasks += 1
        return reports, tasks

    def seed_increase(self) -> None:
        project = Project.objects.filter(name="中粮米业50万吨水稻加工扩能项目").first()
        if project is None or project.capital_increases.exists():
            return
        services.capital_increase_create(
            project=project,
            actor=self.actor,
            agreed_on=_clip(datetime.date(2026, 10, 15), self.today),
            amount=Decimal(20000),
            signed_amount=Decimal(18000),
            note="二期增资，新增精深加工（米糠油、米粉）生产线。",
        )

    def seed_applications(self) -> int:
        F, A = SupportApplication.FundSource, SupportApplication.Status
        specs = (
            (
                "省道皖峰至虎林段改扩建中央车购税资金",
                F.CENTRAL_BUDGET,
                A.ALLOCATED,
                "省道皖峰至虎林段改扩建工程",
                30000,
            ),
            (
                "黑土地保护利用中央财政补助",
                F.CENTRAL_BUDGET,
                A.APPROVED,
                "黑土地保护利用项目",
                6000,
            ),
            (
                "高标准农田建设专项债券",
                F.SPECIAL_BONDS,
                A.POOLED,
                "高标准农田建设项目（2026年度）",
                15000,
            ),
            (
                "虎林灌区排水治理超长期特别国债",
                F.ULTRA_LONG_BONDS,
                A.SUBMITTED,
                "虎林灌区排水治理工程",
                20000,
            ),
            (
                "站前小区棚户区改造保障性安居工程资金",
                F.CENTRAL_BUDGET,
                A.PREPARED,
                "站前小区棚户区改造扩大项目",
                9000,
            ),
            ("实验小学易地新建专项债券", F.SPECIAL_BONDS, A.PLANNED, "实验小学易地新建项目", 12000),
            (
                "现代米业产业集群省级专项资金",
                F.PROVINCIAL,
                A.REJECTED,
                "中粮米业50万吨水稻加工扩能项目",
                3000,
            ),
            (
                "北药产业发展省级专项资金",
                F.PROVINCIAL,
                A.SUBMITTED,
                "北药新品种研发及代加工项目",
                2000,
            ),
        )
        order = [A.PLANNED, A.PREPARED, A.SUBMITTED, A.POOLED, A.APPROVED, A.ALLOCATED]
        created = 0
        livelihood = self.task_forces.get("livelihood")
        owner = self.user("zhang_wei") or self.actor
        for title, source, status, project_name, amount in specs:
            if SupportApplication.objects.filter(title=title).exists():
                continue
            projects = list(Project.objects.filter(name=project_name))
            application = services.support_application_create(
                actor=self.actor,
                data={
                    "title": title,
                    "fund_source": source,
                    "policy_reference": "国家发展改革委关于下达2026年中央预算内投资计划的通知"
                    if source == F.CENTRAL_BUDGET
                    else "黑龙江省2026年专项资金申报指南",
                    "amount_requested": Decimal(amount),
                    "deadline": datetime.date(2026, 12, 20),
                    "owner": owner,
                    "task_force": livelihood,
                },
                projects=projects,
            )
            path = order[1 : order.index(status) + 1] if status != A.REJECTED else order[1:3]
            for step in path:
                value = None
                if step == A.APPROVED:
                    value = Decimal(amount) * Decimal("0.8")
                if step == A.ALLOCATED:
                    value = Decimal(amount) * Decimal("0.6")
                application = services.support_transition(
                    application=application, to=step, actor=self.actor, amount=value
                )
            if status == A.REJECTED:
                services.support_transition(
                    application=application,
                    to=A.REJECTED,
                    actor=self.actor,
                    reason="不符合本年度支持方向，明年重新申报。",
                )
            created += 1
        return created


def seed(*, stdout: TextIO, options: dict[str, Any]) -> None:
    """Create the demo targets, projects, progress, tasks and applications that are missing."""
    seeder = Seeder(stdout)
    if seeder.actor is None:
        stdout.write("没有演示用户（请先运行 crm.demo），跳过项目。")
        return
    with transaction.atomic():
        targets = seeder.seed_targets()
        seeder.seed_named()
        seeder.seed_from_leads()
        seeder.seed_increase()
        reports, tasks = seeder.seed_activity()
        applications = seeder.seed_applications()
        goals = seeder.seed_goal()
    if seeder.created or targets or reports or tasks or applications or goals:
        stdout.write(
            f"项目：新建 {seeder.created} 个，推进目标 {targets} 个，进度报告 {reports} 份，"
            f"任务 {tasks} 项，对上争取事项 {applications} 个，年度目标 {goals} 个。"
        )
    else:
        stdout.write(f"演示项目已存在（{Project.objects.count()} 个），未新建。")
