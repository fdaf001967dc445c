"""Leads (线索), their pipeline moves and their follow-ups."""

import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.access import scope_q
from crm.models import ChainLink, Channel, Industry, Region, TaskForce, User
from crm.workflow import Workflow, choices_check


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "LeadQuerySet":
        """The leads ``user`` may see (see ``crm.access``)."""
        return self.filter(scope_q(user))

    def overdue(self, today: datetime.date) -> "LeadQuerySet":
        """Active leads whose follow-up is overdue on ``today`` (see ``overdue_q``)."""
        return self.filter(overdue_q(today))


class LeadStage(models.TextChoices):
    """A lead's stage (``Lead.Stage``); module level so ``Lead.Meta`` derives its constraint."""

    COLLECT = "collect", _("搜集")
    SCREEN = "screen", _("筛选")
    DOCK = "dock", _("对接")
    SERVE = "serve", _("服务")
    DROPPED = "dropped", _("搁置")


class Lead(models.Model):
    """An enterprise that might invest, followed through the pipeline.

    Stages and the allowed moves (``TRANSITIONS``, checked by ``leads.pipeline``)::

        collect 搜集 → screen 筛选 → dock 对接 → serve 服务
        any active stage → dropped 搁置/放弃;  dropped → collect (reopen)
        a move back one stage (screen → collect, dock → screen, serve → dock) needs a reason

    ``last_activity_on`` is the later of the last follow-up and the day the lead entered its
    stage; with ``next_follow_up_on`` it decides whether the lead is overdue.
    ``version`` grows with every change, so a stale form or API call is told of the conflict.
    """

    Stage = LeadStage

    class Rating(models.TextChoices):
        A = "A", _("A 级（优先）")
        B = "B", _("B 级（跟进）")
        C = "C", _("C 级（观察）")

    class ChainRole(models.TextChoices):
        EXTEND = "extend", _("延链")
        FILL = "fill", _("补链")
        STRENGTHEN = "strengthen", _("强链")

    class ReferrerKind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        TOWNSMAN = "townsman", _("老乡")
        CHAMBER = "chamber", _("商会")
        AGENT = "agent", _("中介机构")
        OFFICIAL = "official", _("部门/干部")
        OTHER = "other", _("其他")

    ACTIVE_STAGES = (Stage.COLLECT, Stage.SCREEN, Stage.DOCK, Stage.SERVE)
    TRANSITIONS: dict[Stage, frozenset[Stage]] = {
        Stage.COLLECT: frozenset({Stage.SCREEN, Stage.DROPPED}),
        Stage.SCREEN: frozenset({Stage.DOCK, Stage.COLLECT, Stage.DROPPED}),
        Stage.DOCK: frozenset({Stage.SERVE, Stage.SCREEN, Stage.DROPPED}),
        Stage.SERVE: frozenset({Stage.DOCK, Stage.DROPPED}),
        Stage.DROPPED: frozenset({Stage.COLLECT}),
    }
    WORKFLOW = Workflow(
        Stage, TRANSITIONS, pipeline=ACTIVE_STAGES, noun=pgettext_lazy("noun in a sentence", "阶段")
    )
    # One stage back (screen → collect, dock → screen, serve → dock).
    BACKWARD = WORKFLOW.backward

    company_name = models.CharField(_("企业名称"), max_length=200)
    company_key = models.CharField(_("名称比对键"), max_length=200, db_index=True, editable=False)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="leads", verbose_name=_("产业")
    )
    chain_link = models.ForeignKey(
        ChainLink,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("产业链环节"),
    )
    chain_role = models.CharField(
        _("链上作用"), max_length=12, choices=ChainRole.choices, blank=True
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="leads", verbose_name=_("招商渠道")
    )
    referrer_name = models.CharField(_("引荐人/机构"), max_length=100, blank=True)
    referrer_kind = models.CharField(
        _("引荐方类型"), max_length=12, choices=ReferrerKind.choices, blank=True
    )
    referrer_contact = models.CharField(_("引荐方联系方式"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("来源地区"),
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    planned_investment = models.DecimalField(
        _("计划投资（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    intent = models.TextField(_("投资意向"), blank=True)
    rating = models.CharField(_("评级"), max_length=1, choices=Rating.choices, blank=True)
    due_diligence_note = models.TextField(_("核实情况"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_leads",
        verbose_name=_("负责人"),
    )
    task_force = models.ForeignKey(
        TaskForce,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("专班"),
    )
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices, default=Stage.COLLECT)
    stage_entered_at = models.DateTimeField(_("进入本阶段时间"))
    next_follow_up_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    last_follow_up_on = models.DateField(_("最近跟进日期"), null=True, blank=True)
    last_activity_on = models.DateField(_("最近动态日期"))
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
    # indexed by ``leads_lead_cockpit_idx`` (``Meta.indexes``)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="%(app_label)s_%(class)s_credit_code_unique",
            ),
            choices_check("stage", LeadStage),
            models.CheckConstraint(
                condition=Q(rating__in=["", "A", "B", "C"]),
                name="%(app_label)s_%(class)s_rating_valid",
            ),
            models.CheckConstraint(
                condition=Q(chain_role__in=["", "extend", "fill", "strengthen"]),
                name="%(app_label)s_%(class)s_chain_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(planned_investment__isnull=True) | Q(planned_investment__gte=0),
                name="%(app_label)s_%(class)s_planned_investment_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "next_follow_up_on"]),
            models.Index(fields=["stage", "last_activity_on"]),
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["task_force", "stage"]),
            models.Index(fields=["-updated_at", "-id"]),
            # the pipeline's columns and the list filtered by stage, newest first
            models.Index(
                fields=["stage", "-updated_at", "-id"], name="leads_lead_stage_recent_idx"
            ),
            # The pipeline's counts, overdue counts and 计划投资 totals per stage, read from the
            # index alone on PostgreSQL (tests/leads/test_pipeline_speed.py). The overdue
            # leads, worst first, are read in the order of ``leads_lead_due_idx``, an
            # expression index built by leads/migrations/0009_pipeline_indexes.py.
            models.Index(
                fields=["stage"],
                include=[
                    "id",
                    "next_follow_up_on",
                    "last_activity_on",
                    "planned_investment",
                    "task_force",
                    "owner",
                ],
                name="leads_lead_pipeline_totals_idx",
            ),
            # The period's new leads, and the cockpit's passes over every lead (by stage,
            # source, task force; overdue), read from the index alone on PostgreSQL: a tenth of
            # the table's bytes (tests/dashboard/test_cockpit_plans.py).
            models.Index(
                fields=["created_at"],
                include=[
                    "id",
                    "stage",
                    "channel",
                    "industry",
                    "region",
                    "task_force",
                    "owner",
                    "next_follow_up_on",
                    "last_activity_on",
                ],
                name="leads_lead_cockpit_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.company_name

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.stage in self.ACTIVE_STAGES

    def follow_up_due_on(self) -> datetime.date | None:
        """The day the lead's next follow-up falls due: the planned date or the stage's limit."""
        if not self.is_active:
            return None
        stale_on = self.last_activity_on + datetime.timedelta(
            days=settings.LEAD_STALE_DAYS[self.stage]
        )
        if self.next_follow_up_on and self.next_follow_up_on < stale_on:
            return self.next_follow_up_on
        return stale_on

    def days_overdue(self, today: datetime.date) -> int:
        """How many days past due the follow-up is on ``today`` (0 when not overdue)."""
        due = self.follow_up_due_on()
        if due is None or due >= today:
            return 0
        return (today - due).days

    def is_overdue(self, today: datetime.date) -> bool:
        return self.days_overdue(today) > 0


def overdue_q(today: datetime.date) -> Q:
    """The one definition of an overdue lead, as a database filter.

    An active lead is overdue when its planned next follow-up date has passed, or when it has
    had no follow-up (nor a stage move) for longer than its stage allows
    (``settings.LEAD_STALE_DAYS``). Reminders, the work page and the list's filter all use it.
    """
    stale = Q()
    for stage, days in settings.LEAD_STALE_DAYS.items():
        stale |= Q(stage=stage, last_activity_on__lt=today - datetime.timedelta(days=days))
    return Q(stage__in=Lead.ACTIVE_STAGES) & (Q(next_follow_up_on__lt=today) | stale)


class AddDays(models.Func):
    """``date + n days``, still a date (PostgreSQL's ``date + interval`` is a timestamp)."""

    output_field = models.DateField()

    def __init__(self, expression: str, *, days: int) -> None:
        self.days = int(days)
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: date + integer is a date
        return super().as_sql(
            compiler, connection, template=f"(%(expressions)s + {self.days})", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template=f"date(%(expressions)s, '+{self.days} days')", **extra
        )


def follow_up_due_expression() -> models.Expression:
    """``Lead.follow_up_due_on`` as a database expression (NULL for inactive leads).

    The earlier of the planned follow-up and the stage's limit; ordering by it ascending puts
    the most days overdue first. A lead is overdue exactly when it is before today
    (``overdue_q``, the same rule).
    """

    def due_in(days: int) -> models.Expression:
        stale_on = AddDays("last_activity_on", days=days)
        # SQLite's MIN() is NULL when an argument is: the planned date falls back to the limit.
        return Least(Coalesce("next_follow_up_on", stale_on), stale_on)

    return models.Case(
        *(
            models.When(stage=stage, then=due_in(days))
            for stage, days in settings.LEAD_STALE_DAYS.items()
            if stage in Lead.ACTIVE_STAGES
        ),
        default=None,  # not Least(…, NULL): PostgreSQL's LEAST skips NULLs
        output_field=models.DateField(),
    )


class LeadTransition(models.Model):
    """One recorded pipeline move of a lead: from, to, who, when and why."""

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("线索")
    )
    from_stage = models.CharField(_("原阶段"), max_length=10, choices=Lead.Stage.choices)
    to_stage = models.CharField(_("新阶段"), max_length=10, choices=Lead.Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    reason = models.TextField(_("原因/说明"), blank=True)
    moved_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["-moved_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "moved_at"]),
            # The period's stage moves (the cockpit's 进入各阶段, the ranking's forward moves)
            # read from the index alone (tests/dashboard/test_cockpit_plans.py).
            models.Index(
                fields=["moved_at"],
                include=["lead", "from_stage", "to_stage"],
                name="leads_transition_moved_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage")),
                name="%(app_label)s_%(class)s_moves",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"


def forward_move_q(prefix: str = "") -> Q:
    """Stage moves one step forward along the pipeline (collect → screen → dock → serve), the
    moves the ranking and the reports count; ``prefix`` reaches the transition from another
    model (``"transitions__"``)."""
    moves = Q(pk__in=[])
    for earlier, later in Lead.WORKFLOW.forward.items():
        moves |= Q(**{f"{prefix}from_stage": earlier, f"{prefix}to_stage": later})
    return moves


def backward_move_q() -> Q:
    """Stage moves one step back along the pipeline (``forward_move_q``'s mirror)."""
    moves = Q(pk__in=[])
    for later, earlier in Lead.WORKFLOW.backward.items():
        moves |= Q(from_stage=later, to_stage=earlier)
    return moves


class FollowUp(models.Model):
    """A 跟进记录: a call, visit, site inspection or meeting with the enterprise."""

    class Method(models.TextChoices):
        PHONE = "phone", _("电话")
        VISIT = "visit", _("走访")
        RECEPTION = "reception", _("接待来访")
        INSPECTION = "inspection", _("考察")
        MEETING = "meeting", _("会谈")
        ONLINE = "online", _("线上")
        PROMOTION = "promotion", _("推介会")

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("线索")
    )
    occurred_on = models.DateField(_("跟进日期"))
    method = models.CharField(_("方式"), max_length=12, choices=Method.choices)
    participants = models.CharField(_("参与人员"), max_length=200, blank=True)
    summary = models.TextField(_("跟进内容"))
    outcome = models.TextField(_("结果"), blank=True)
    next_follow_up_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["lead", "occurred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_follow_up_on__isnull=True)
                | Q(next_follow_up_on__gte=models.F("occurred_on")),
                name="%(app_label)s_%(class)s_next_after_occurred",
            ),
            models.CheckConstraint(
                condition=Q(
                    method__in=[
                        "phone",
                        "visit",
                        "reception",
                        "inspection",
                        "meeting",
                        "online",
                        "promotion",
                    ]
                ),
                name="%(app_label)s_%(class)s_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead} · {self.occurred_on} {self.get_method_display()}"


class ApprovalStatus(models.TextChoices):
    """An approval request's state (``ApprovalRequest.Status``)."""

    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")


class ApprovalRequest(models.Model):
    """An officer's 提请审批 of a lead's move 筛选 → 对接, and the task-force leader's decision.

    States::

        pending 待审批 → approved 已批准   the lead moves to dock in the same transaction
        pending → returned 已退回          with the leader's comment (required)
        pending → withdrawn 已撤回         the lead left 筛选 another way meanwhile

    A leader who moves a lead screen → dock directly (the pipeline drag) settles the pending
    request, or records one asked and decided at once (``is_direct``), so every lead in dock
    has its approval on record. At most one request per lead is pending. Written only by
    ``leads.services`` (``approval_request``, ``approval_decide``, ``lead_transition``).
    """

    Status = ApprovalStatus

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="approval_requests", verbose_name=_("线索")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提请人"),
    )
    requested_at = models.DateTimeField(_("提请时间"), default=timezone.now)
    note = models.TextField(_("提请说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=Q(status="pending"),
                name="%(app_label)s_%(class)s_one_pending_per_lead",
            ),
            choices_check("status", ApprovalStatus),
            models.CheckConstraint(
                condition=(Q(status="pending") & Q(decided_at__isnull=True))
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="%(app_label)s_%(class)s_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(comment=""),
                name="%(app_label)s_%(class)s_returned_has_comment",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.lead} · {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    @property
    def is_direct(self) -> bool:
        """A leader's own move recorded as its approval: asked and decided in one step."""
        return self.status == ApprovalStatus.APPROVED and self.decided_at == self.requested_at

    def days_waiting(self, today: datetime.date) -> int:
        """Whole days since the request was made (0 on the day itself)."""
        return (today - timezone.localdate(self.requested_at)).days


def waited_over_q(days: int, today: datetime.date) -> Q:
    """Requests that on ``today`` have waited more than ``days`` whole days
    (``ApprovalRequest.days_waiting(today) > days``): asked before the local day ``days``
    days ago. The approvals filter ``waited_over``, the SLA in the leaders' digest and the
    team view all count with it."""
    first_day = today - datetime.timedelta(days=days)
    return Q(
        requested_at__lt=timezone.make_aware(
            datetime.datetime.combine(first_day, datetime.time.min)
        )
    )


class TargetEnterpriseQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "TargetEnterpriseQuerySet":
        """The targets ``user`` may see (see ``crm.access``), as for leads."""
        return self.filter(scope_q(user, owner="owner", task_force="task_force"))


class TargetEnterprise(models.Model):
    """An enterprise an officer wants to attract (目标企业库), filed under a chain link.

    A target turns a 补链 gap into work: ``leads.services.target_convert`` creates the lead
    from it in one step and links the two (``lead``); a converted target stays in the library
    as the lead's origin. ``company_key`` is the normalized name used to find it among leads.
    """

    company_name = models.CharField(_("企业名称"), max_length=200)
    company_key = models.CharField(_("名称比对键"), max_length=200, db_index=True, editable=False)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    chain_link = models.ForeignKey(
        ChainLink,
        on_delete=models.PROTECT,
        related_name="targets",
        verbose_name=_("产业链环节"),
    )
    chain_role = models.CharField(
        _("链上作用"), max_length=12, choices=Lead.ChainRole.choices, blank=True
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("所在地区"),
    )
    reason = models.TextField(
        _("引进理由"), help_text=_("为什么要引进它：补哪个缺口、有什么优势。")
    )
    contact_hint = models.CharField(_("联系渠道"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_targets",
        verbose_name=_("负责人"),
    )
    task_force = models.ForeignKey(
        TaskForce,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("专班"),
    )
    lead = models.OneToOneField(
        Lead,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="target",
        verbose_name=_("转化的线索"),
    )
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

    objects = TargetEnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标企业")
        verbose_name_plural = _("目标企业")
        ordering = ["chain_link", "company_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="%(app_label)s_%(class)s_credit_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(chain_role__in=["", "extend", "fill", "strengthen"]),
                name="%(app_label)s_%(class)s_chain_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["chain_link", "lead"])]

    def __str__(self) -> str:
        return self.company_name

    def get_absolute_url(self) -> str:
        return reverse("leads:target_detail", args=[self.pk])

    @property
    def is_converted(self) -> bool:
        return self.lead_id is not None
