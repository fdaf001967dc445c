"""Projects (项目), the targets they are measured against, their progress, tasks and 对上争取.

``projects`` depends on ``leads`` and ``crm``; nothing below imports the other way. A lead
reaches its project through the reverse one-to-one accessor ``lead.project``.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.access import column_user_in_scope_q, scope_q
from crm.models import ChainLink, Industry, TaskForce, User
from crm.workflow import Workflow, choices_check


def _not_negative(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}),
        name=f"%(app_label)s_%(class)s_{field}_not_negative",
    )


def _not_before(later: str, earlier: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{later}__isnull": True})
        | Q(**{f"{earlier}__isnull": True})
        | Q(**{f"{later}__gte": F(earlier)}),
        name=f"%(app_label)s_%(class)s_{later}_order",
    )


def _money(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        **kwargs,
    )


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "ProjectQuerySet":
        """The projects ``user`` may see (see ``crm.access``)."""
        return self.filter(scope_q(user, owner="owner", task_force="task_force"))

    def with_target(self) -> "ProjectQuerySet":
        """Annotate the target each project is under (``target_due_on``, ``target_id``)."""
        targets = Target.objects.applying_to_outer().order_by("due_on", "id")
        return self.annotate(
            target_id=Subquery(targets.values("id")[:1]),
            target_due_on=Subquery(targets.values("due_on")[:1]),
        )

    def late(self, today: datetime.date) -> "ProjectQuerySet":
        """Projects under a target whose due date has passed on ``today``."""
        return self.filter(late_q(today))

    def with_latest_progress(self) -> "ProjectQuerySet":
        """Annotate the latest progress report's date, percent and summary."""
        latest = ProgressReport.objects.filter(project=OuterRef("pk")).order_by(
            "-reported_on", "-id"
        )
        return self.annotate(
            progress_on=Subquery(latest.values("reported_on")[:1]),
            progress_percent=Subquery(latest.values("percent")[:1]),
            progress_done=Subquery(latest.values("done")[:1]),
        )


class ProjectStatus(models.TextChoices):
    """A project's status (``Project.Status``); module level so ``Meta`` derives its constraint."""

    NEGOTIATING = "negotiating", _("洽谈")
    FRAMEWORK = "framework", _("框架协议")
    SIGNED = "signed", _("正式签约")
    COMMENCED = "commenced", _("开工")
    PRODUCING = "producing", _("投产")
    STALLED = "stalled", _("停滞")
    TERMINATED = "terminated", _("终止")


class Project(models.Model):
    """A project (项目): an enterprise's investment, or a livelihood or upgrade project.

    Statuses and the allowed moves (``TRANSITIONS``, checked by ``projects.rules``)::

        negotiating 洽谈 → framework 框架协议 → signed 正式签约 → commenced 开工 → producing 投产
        negotiating → signed directly (many agreements skip the framework stage)
        a move back one status (framework → negotiating … producing → commenced) needs a reason
        negotiating / framework / signed / commenced → stalled 停滞 (reason)
        stalled → the status it stalled from (resume) or → terminated
        any status but producing → terminated 终止 (reason);  terminated → negotiating (reopen)

    Each forward move needs its date (``framework_signed_on``, ``signed_on``, ``commenced_on``,
    ``producing_on``); the move to signed also the signed amount. A move back clears the dates
    of the statuses left behind. The enterprise is identified by its 统一社会信用代码, unique
    here, so a project is counted once: a capital increase (增资) is a ``CapitalIncrease`` row
    on the existing project. ``version`` grows with every change (optimistic concurrency).
    """

    Status = ProjectStatus

    class Category(models.TextChoices):
        INDUSTRIAL = "industrial", _("产业项目")
        UPGRADE = "upgrade", _("裂变升级")
        LIVELIHOOD = "livelihood", _("民生基础项目")

    PIPELINE = (
        Status.NEGOTIATING,
        Status.FRAMEWORK,
        Status.SIGNED,
        Status.COMMENCED,
        Status.PRODUCING,
    )
    # Statuses whose project counts as "reached signed" (a stalled one if it had signed).
    SIGNED_STATUSES = (Status.SIGNED, Status.COMMENCED, Status.PRODUCING)
    OPEN_STATUSES = (*PIPELINE, Status.STALLED)
    # The date each forward move records.
    STATUS_DATE_FIELDS = {
        Status.FRAMEWORK: "framework_signed_on",
        Status.SIGNED: "signed_on",
        Status.COMMENCED: "commenced_on",
        Status.PRODUCING: "producing_on",
    }
    TRANSITIONS: dict[Status, frozenset[Status]] = {
        Status.NEGOTIATING: frozenset(
            {Status.FRAMEWORK, Status.SIGNED, Status.STALLED, Status.TERMINATED}
        ),
        Status.FRAMEWORK: frozenset(
            {Status.SIGNED, Status.NEGOTIATING, Status.STALLED, Status.TERMINATED}
        ),
        Status.SIGNED: frozenset(
            {Status.COMMENCED, Status.FRAMEWORK, Status.STALLED, Status.TERMINATED}
        ),
        Status.COMMENCED: frozenset(
            {Status.PRODUCING, Status.SIGNED, Status.STALLED, Status.TERMINATED}
        ),
        Status.PRODUCING: frozenset({Status.COMMENCED}),
        Status.STALLED: frozenset(
            {
                Status.NEGOTIATING,
                Status.FRAMEWORK,
                Status.SIGNED,
                Status.COMMENCED,
                Status.TERMINATED,
            }
        ),
        Status.TERMINATED: frozenset({Status.NEGOTIATING}),
    }
    WORKFLOW = Workflow(
        Status, TRANSITIONS, pipeline=PIPELINE, noun=pgettext_lazy("noun in a sentence", "项目状态")
    )

    name = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("项目类别"), max_length=12, choices=Category.choices)
    enterprise_name = models.CharField(_("投资主体"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        help_text=_("产业项目和裂变升级项目必填；同一企业只登记一个项目，增资记在原项目上。"),
    )
    lead = models.OneToOneField(
        "leads.Lead",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project",
        verbose_name=_("来源线索"),
    )
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("产业"),
    )
    chain_link = models.ForeignKey(
        ChainLink,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("产业链环节"),
    )
    total_investment = _money(_("总投资（万元）"))
    signed_amount = _money(_("签约金额（万元）"))
    funds_in_place = _money(_("到位资金（万元）"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
        verbose_name=_("包保领导"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_projects",
        verbose_name=_("责任人"),
    )
    task_force = models.ForeignKey(
        TaskForce,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("专班"),
    )
    department = models.CharField(_("责任部门"), max_length=100, blank=True)
    location = models.CharField(_("建设地点"), max_length=200, blank=True)
    description = models.TextField(_("建设内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.NEGOTIATING
    )
    status_changed_on = models.DateField(_("进入本状态日期"))
    resume_status = models.CharField(
        _("停滞前状态"), max_length=12, choices=Status.choices, blank=True, editable=False
    )
    framework_signed_on = models.DateField(_("框架协议签订日期"), null=True, blank=True)
    signed_on = models.DateField(_("正式签约日期"), null=True, blank=True)
    target_commence_on = models.DateField(_("计划开工日期"), null=True, blank=True)
    commenced_on = models.DateField(_("开工日期"), null=True, blank=True)
    target_production_on = models.DateField(_("计划投产日期"), null=True, blank=True)
    producing_on = models.DateField(_("投产日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("最后修改人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="%(app_label)s_%(class)s_credit_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(category="livelihood") | ~Q(credit_code=""),
                name="%(app_label)s_%(class)s_enterprise_identified",
            ),
            choices_check("status", ProjectStatus),
            models.CheckConstraint(
                condition=Q(category__in=["industrial", "upgrade", "livelihood"]),
                name="%(app_label)s_%(class)s_category_valid",
            ),
            _not_negative("total_investment"),
            _not_negative("signed_amount"),
            _not_negative("funds_in_place"),
            _not_before("signed_on", "framework_signed_on"),
            _not_before("commenced_on", "signed_on"),
            _not_before("producing_on", "commenced_on"),
            _not_before("target_production_on", "target_commence_on"),
        ]
        indexes = [
            models.Index(fields=["status", "category"]),
            models.Index(fields=["task_force", "status"]),
            models.Index(fields=["owner", "status"]),
            # The board (tests/projects/test_board_speed.py): a column's count, total and card
            # order read from the index alone on PostgreSQL; the 两未 lists, longest standing
            # first, read in order.
            models.Index(
                fields=["status"],
                include=["category", "updated_at", "id", "total_investment", "task_force", "owner"],
                name="projects_project_board_idx",
            ),
            models.Index(
                fields=["status", "status_changed_on", "id"], name="projects_project_standing_idx"
            ),
            # The project list's and the API's default order, most recently changed first: a
            # page reads its rows in order instead of sorting every visible project.
            models.Index(fields=["-updated_at", "-id"], name="projects_project_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    @property
    def reached_signed(self) -> bool:
        """Whether the project has been formally signed and not terminated.

        Signed, commenced and producing count; so does a stalled project that had signed (the
        agreement still stands and the bureau keeps serving the enterprise). A project moved
        back before signed, or terminated, does not. ``leads.pipeline`` asks this for dock →
        serve, and ``reached_signed_q`` is the same rule for the database.
        """
        if self.status in self.SIGNED_STATUSES:
            return True
        return self.status == self.Status.STALLED and self.signed_on is not None

    def days_in_status(self, today: datetime.date) -> int:
        return (today - self.status_changed_on).days


def reached_signed_q() -> Q:
    """``Project.reached_signed`` as a database filter."""
    return Q(status__in=Project.SIGNED_STATUSES) | Q(
        status=Project.Status.STALLED, signed_on__isnull=False
    )


class TargetQuerySet(models.QuerySet):
    def applying_to_outer(self) -> "TargetQuerySet":
        """Active targets for the status and category of the project in ``OuterRef``."""
        return self.filter(is_active=True, status=OuterRef("status")).filter(
            Q(category="") | Q(category=OuterRef("category"))
        )


def late_q(today: datetime.date) -> Q:
    """The one definition of a late project: under an active target whose due date passed."""
    return Q(Exists(Target.objects.applying_to_outer().filter(due_on__lt=today)))


class Target(models.Model):
    """A deadline the bureau sets as data, e.g. "signed projects commence by 2027-03-31".

    A target applies to every project currently in ``status`` (and of ``category``, when one is
    given); the project should reach ``goal_status`` by ``due_on``. A project shows the
    earliest-due target it is under and is late once that date has passed. For 履约率 a target
    whose date has passed counts every project that had reached ``status`` by then, and those
    that had also reached ``goal_status`` by ``due_on`` as kept.
    """

    status = models.CharField(_("适用状态"), max_length=12, choices=Project.Status.choices[:4])
    goal_status = models.CharField(
        _("目标状态"), max_length=12, choices=Project.Status.choices[1:5]
    )
    category = models.CharField(
        _("项目类别"),
        max_length=12,
        choices=Project.Category.choices,
        blank=True,
        help_text=_("留空表示适用于所有类别。"),
    )
    due_on = models.DateField(_("截止日期"))
    description = models.CharField(_("目标说明"), max_length=200)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("推进目标")
        verbose_name_plural = _("推进目标")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["negotiating", "framework", "signed", "commenced"]),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(goal_status__in=["framework", "signed", "commenced", "producing"]),
                name="%(app_label)s_%(class)s_goal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(category__in=["", "industrial", "upgrade", "livelihood"]),
                name="%(app_label)s_%(class)s_category_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=F("goal_status")),
                name="%(app_label)s_%(class)s_goal_differs",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description}（{self.due_on:%Y-%m-%d}）"

    def days_left(self, today: datetime.date) -> int:
        """Days until the due date (negative once past)."""
        return (self.due_on - today).days


class FundsArrival(models.Model):
    """A change of a project's 到位资金 on a day: funds that arrived, or a correction (核减).

    ``Project.funds_in_place`` is the running total; every change to it is written here by
    ``projects.services`` (the form, the API, the admin and ``funds_arrival_record`` alike), so
    the cockpit and the reports can say how much arrived in a month or a year.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="funds_arrivals", verbose_name=_("项目")
    )
    arrived_on = models.DateField(_("到位日期"))
    amount = models.DecimalField(
        _("到位金额（万元）"),
        max_digits=14,
        decimal_places=2,
        help_text=_("核减时为负数。"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资金到位记录")
        verbose_name_plural = _("资金到位记录")
        ordering = ["-arrived_on", "-id"]
        indexes = [models.Index(fields=["arrived_on", "project"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="%(app_label)s_%(class)s_amount_not_zero"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.arrived_on} {self.amount}"


class AnnualGoal(models.Model):
    """The year's goals an administrator sets: 签约额 and 到位资金 the bureau must reach.

    The cockpit sets the amounts reached so far against them, and against the share of the
    year gone by (超进度 when ahead of it, 欠进度 when behind).
    """

    year = models.PositiveSmallIntegerField(
        _("年度"), unique=True, validators=[MinValueValidator(2000)]
    )
    signed_amount = _money(_("签约额目标（万元）"))
    funds_in_place = _money(_("到位资金目标（万元）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["-year"]
        constraints = [
            _not_negative("signed_amount"),
            _not_negative("funds_in_place"),
            models.CheckConstraint(
                condition=Q(year__gte=2000), name="%(app_label)s_%(class)s_year_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(year)s 年度目标") % {"year": self.year})


class ProjectTransition(models.Model):
    """One recorded status move of a project: from, to, the date it happened, who and why."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("项目")
    )
    from_status = models.CharField(_("原状态"), max_length=12, choices=Project.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Project.Status.choices)
    occurred_on = models.DateField(_("发生日期"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    reason = models.TextField(_("原因/说明"), blank=True)
    moved_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["-moved_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=F("to_status")), name="%(app_label)s_%(class)s_moves"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class CapitalIncrease(models.Model):
    """A capital increase (增资) of an existing project: it adds to the project's amounts."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="capital_increases",
        verbose_name=_("项目"),
    )
    agreed_on = models.DateField(_("增资日期"))
    amount = _money(_("新增投资（万元）"))
    signed_amount = _money(_("新增签约金额（万元）"))
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("增资")
        verbose_name_plural = _("增资")
        ordering = ["-agreed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="%(app_label)s_%(class)s_amount_positive"
            ),
            _not_negative("signed_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.project} 增资 {self.amount} 万元"


class ProgressReport(models.Model):
    """A progress report (落任务、盯进度): how far the project is and what needs coordinating."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="progress_reports",
        verbose_name=_("项目"),
    )
    reported_on = models.DateField(_("报告日期"))
    percent = models.PositiveSmallIntegerField(
        _("形象进度（%）"), validators=[MaxValueValidator(100)]
    )
    done = models.TextField(_("本期完成"))
    problems = models.TextField(_("需协调解决的问题"), blank=True)
    problem_owner = models.CharField(_("责任单位/人"), max_length=100, blank=True)
    solved = models.BooleanField(_("问题已解决"), default=False)
    solved_on = models.DateField(_("解决日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报告人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")
        ordering = ["-reported_on", "-id"]
        indexes = [models.Index(fields=["project", "reported_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="%(app_label)s_%(class)s_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(solved=False, solved_on__isnull=True)
                | Q(solved=True, solved_on__isnull=False),
                name="%(app_label)s_%(class)s_solved_dated",
            ),
            _not_before("solved_on", "reported_on"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.reported_on} {self.percent}%"

    @property
    def has_open_problem(self) -> bool:
        return bool(self.problems.strip()) and not self.solved


class TaskQuerySet(models.QuerySet):
    def overdue(self, today: datetime.date) -> "TaskQuerySet":
        """Open tasks whose due date has passed on ``today`` (THE overdue-task rule)."""
        return self.filter(done=False, due_on__lt=today)

    def visible_to(self, user: User) -> "TaskQuerySet":
        """The tasks of the projects ``user`` may see (see ``crm.access``)."""
        return self.filter(scope_q(user, owner="project__owner", task_force="project__task_force"))

    def seen_by_assignee(self) -> "TaskQuerySet":
        """Tasks whose assignee may still see the project (it may have moved since)."""
        return self.filter(
            column_user_in_scope_q(
                "assignee", owner="project__owner", task_force="project__task_force"
            )
        )


class Task(models.Model):
    """A task on a project, assigned to one person with a due date."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("项目")
    )
    title = models.CharField(_("任务"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="project_tasks",
        verbose_name=_("责任人"),
    )
    due_on = models.DateField(_("完成时限"))
    done = models.BooleanField(_("已完成"), default=False)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("布置人"),
    )
    created_at = models.DateTimeField(_("布置时间"), auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["done", "due_on", "id"]
        indexes = [models.Index(fields=["assignee", "done", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(done=False, done_on__isnull=True) | Q(done=True, done_on__isnull=False),
                name="%(app_label)s_%(class)s_done_dated",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def days_overdue(self, today: datetime.date) -> int:
        if self.done or self.due_on >= today:
            return 0
        return (today - self.due_on).days


class SupportStatus(models.TextChoices):
    """An application's status (``SupportApplication.Status``); module level for ``Meta``."""

    PLANNED = "planned", _("谋划")
    PREPARED = "prepared", _("编制")
    SUBMITTED = "submitted", _("申报")
    POOLED = "pooled", _("入库")
    APPROVED = "approved", _("批复")
    ALLOCATED = "allocated", _("下达")
    REJECTED = "rejected", _("未通过")


class SupportApplication(models.Model):
    """An application for higher-level funds or policy (对上争取).

    Statuses and the allowed moves (``TRANSITIONS``, checked by ``projects.rules``)::

        planned 谋划 → prepared 编制 → submitted 申报 → pooled 入库 → approved 批复
        → allocated 下达;  submitted / pooled → rejected 未通过 (reason)
        a move back one status needs a reason;  rejected → planned (re-plan, reason)

    approved needs the approved amount, allocated the allocated amount.
    """

    Status = SupportStatus

    class FundSource(models.TextChoices):
        CENTRAL_BUDGET = "central_budget", _("中央预算内投资")
        SPECIAL_BONDS = "special_bonds", _("地方政府专项债券")
        ULTRA_LONG_BONDS = "ultra_long_bonds", _("超长期特别国债")
        PROVINCIAL = "provincial", _("省级专项资金")
        OTHER = "other", _("其他")

    PIPELINE = (
        Status.PLANNED,
        Status.PREPARED,
        Status.SUBMITTED,
        Status.POOLED,
        Status.APPROVED,
        Status.ALLOCATED,
    )
    TRANSITIONS: dict[Status, frozenset[Status]] = {
        Status.PLANNED: frozenset({Status.PREPARED}),
        Status.PREPARED: frozenset({Status.SUBMITTED, Status.PLANNED}),
        Status.SUBMITTED: frozenset({Status.POOLED, Status.PREPARED, Status.REJECTED}),
        Status.POOLED: frozenset({Status.APPROVED, Status.SUBMITTED, Status.REJECTED}),
        Status.APPROVED: frozenset({Status.ALLOCATED, Status.POOLED}),
        Status.ALLOCATED: frozenset({Status.APPROVED}),
        Status.REJECTED: frozenset({Status.PLANNED}),
    }
    WORKFLOW = Workflow(
        Status, TRANSITIONS, pipeline=PIPELINE, noun=pgettext_lazy("noun in a sentence", "状态")
    )

    title = models.CharField(_("申报事项"), max_length=200)
    fund_source = models.CharField(_("资金来源"), max_length=20, choices=FundSource.choices)
    policy_reference = models.CharField(_("政策依据"), max_length=200, blank=True)
    projects = models.ManyToManyField(
        Project, blank=True, related_name="support_applications", verbose_name=_("关联项目")
    )
    amount_requested = _money(_("申请金额（万元）"))
    amount_approved = _money(_("批复金额（万元）"))
    amount_allocated = _money(_("下达金额（万元）"))
    deadline = models.DateField(_("申报截止日期"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="support_applications",
        verbose_name=_("责任人"),
    )
    task_force = models.ForeignKey(
        TaskForce,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_applications",
        verbose_name=_("专班"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    status_changed_on = models.DateField(_("进入本状态日期"))
    note = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("对上争取事项")
        verbose_name_plural = _("对上争取事项")
        ordering = ["-updated_at", "-id"]
        constraints = [
            choices_check("status", SupportStatus),
            models.CheckConstraint(
                condition=Q(
                    fund_source__in=[
                        "central_budget",
                        "special_bonds",
                        "ultra_long_bonds",
                        "provincial",
                        "other",
                    ]
                ),
                name="%(app_label)s_%(class)s_fund_source_valid",
            ),
            _not_negative("amount_requested"),
            _not_negative("amount_approved"),
            _not_negative("amount_allocated"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:support_detail", args=[self.pk])


class SupportTransition(models.Model):
    """One recorded status move of a support application."""

    application = models.ForeignKey(
        SupportApplication,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("对上争取事项"),
    )
    from_status = models.CharField(
        _("原状态"), max_length=12, choices=SupportApplication.Status.choices
    )
    to_status = models.CharField(
        _("新状态"), max_length=12, choices=SupportApplication.Status.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    reason = models.TextField(_("原因/说明"), blank=True)
    moved_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对上争取状态变更")
        verbose_name_plural = _("对上争取状态变更")
        ordering = ["-moved_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=F("to_status")), name="%(app_label)s_%(class)s_moves"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_status} → {self.to_status}"
