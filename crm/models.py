"""The floor everything stands on: users and roles, task forces, reference data, change history."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.workflow import choices_check


class Role(models.TextChoices):
    """A user's role (``User.Role``); module level so ``User.Meta`` derives its constraint."""

    OFFICER = "officer", _("招商专员")
    LEADER = "leader", _("专班负责人")
    BUREAU_LEADER = "bureau_leader", _("局领导")
    ADMIN = "admin", _("系统管理员")


class User(AbstractUser):
    """A person who signs in: an officer, a task-force leader, a bureau leader or an administrator.

    The role decides the default scope of what a user sees (see ``crm.access``); task-force
    membership and leadership widen an officer's or a leader's scope.
    """

    Role = Role

    # Roles that see every record (with superusers); see ``crm.access``.
    EVERYTHING_ROLES = (Role.BUREAU_LEADER, Role.ADMIN)

    # Chinese names are not split into first and last names.
    first_name = None
    last_name = None
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    department = models.CharField(_("部门"), max_length=100, blank=True)
    receives_digests = models.BooleanField(
        _("接收每日提醒邮件"),
        default=True,
        help_text=_("关闭后不再收到逾期跟进的每日邮件和汇总，网页内提醒不受影响。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        constraints = [choices_check("role", Role)]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    @property
    def sees_everything(self) -> bool:
        """Bureau leaders, administrators and superusers read every record."""
        return self.is_superuser or self.role in self.EVERYTHING_ROLES


class ReferenceData(models.Model):
    """Common shape of reference tables: a stable code for the API and imports, a display name."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Industry(ReferenceData):
    """An industry the bureau recruits for (米业, 药业, 乳业 …)."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("产业")
        verbose_name_plural = _("产业")


class Channel(ReferenceData):
    """A recruiting channel (老乡招商, 以商招商, 展会招商 …)."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("招商渠道")
        verbose_name_plural = _("招商渠道")


class Region(ReferenceData):
    """A region an enterprise comes from (长三角, 珠三角, 京津冀 …)."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("来源地区")
        verbose_name_plural = _("来源地区")


class IndustryChain(ReferenceData):
    """An industry chain of the 招商图谱, e.g. the rice chain from seed to brand and logistics."""

    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="chains", verbose_name=_("产业")
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")


class ChainLink(models.Model):
    """One link of an industry chain (种子 → 种植 → 加工 …), ordered by position."""

    chain = models.ForeignKey(
        IndustryChain, on_delete=models.CASCADE, related_name="links", verbose_name=_("产业链")
    )
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    position = models.PositiveIntegerField(_("环节顺序"), default=0)
    description = models.TextField(_("说明"), blank=True)
    local_enterprises = models.TextField(
        _("本地龙头企业"),
        blank=True,
        help_text=_("本环节已在本地的骨干企业，每行一个；招商图谱据此显示本地基础。"),
    )

    class Meta:
        verbose_name = _("产业链环节")
        verbose_name_plural = _("产业链环节")
        ordering = ["chain__sort_order", "chain_id", "position"]

    def __str__(self) -> str:
        return f"{self.chain.name} · {self.name}"


class TaskForce(models.Model):
    """A 专班: a leader and members who work one industry or one kind of project together."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_task_forces",
        verbose_name=_("负责人"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="task_forces",
        blank=True,
        verbose_name=_("成员"),
    )
    industry = models.ForeignKey(
        Industry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="task_forces",
        verbose_name=_("主攻产业"),
    )
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("专班")
        verbose_name_plural = _("专班")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChangeLog(models.Model):
    """One recorded change to a business object: who, when, what, and each field's old → new.

    Written explicitly by services (never by signals). ``changes`` is a list of
    ``{"field": name, "label": verbose name, "old": text, "new": text}``.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(_("对象"), max_length=200)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    changes = models.JSONField(_("变更内容"), default=list, blank=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def field_changes(self) -> list[dict]:
        """``changes`` with each field's label in the reader's language.

        The label stored with the row is the writer's; a field the model still has is
        labelled by its current (translated) verbose name instead.
        """
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        names = {field.name: field for field in model._meta.get_fields()} if model else {}
        return [
            {
                **change,
                "label": str(getattr(names.get(change.get("field")), "verbose_name", ""))
                or change.get("label", ""),
            }
            for change in self.changes
        ]


class Weekday(models.IntegerChoices):
    """Days of the week as ``datetime.date.weekday()`` numbers them."""

    MONDAY = 0, _("星期一")
    TUESDAY = 1, _("星期二")
    WEDNESDAY = 2, _("星期三")
    THURSDAY = 3, _("星期四")
    FRIDAY = 4, _("星期五")
    SATURDAY = 5, _("星期六")
    SUNDAY = 6, _("星期日")


class ReminderSchedule(models.Model):
    """When the morning reminders go out, edited by an administrator in the admin (one row).

    The beat process checks this row every few minutes, so a new send time takes effect
    without a deploy or a restart.
    """

    send_at = models.TimeField(
        _("发送时间"),
        default=datetime.time(8, 30),
        help_text=_("每天在此时间（北京时间）之后发送逾期提醒。"),
    )
    escalation_days = models.PositiveIntegerField(
        _("督办天数"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("逾期超过此天数的线索抄报局领导。"),
    )
    approval_sla_days = models.PositiveIntegerField(
        _("审批时限（天）"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("提请审批等待超过此天数仍未处理的，列入专班负责人的每日汇总。"),
    )
    is_enabled = models.BooleanField(_("启用每日提醒"), default=True)
    weekly_report_weekday = models.PositiveSmallIntegerField(
        _("周报发送日"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    weekly_report_at = models.TimeField(
        _("周报发送时间"),
        default=datetime.time(8, 0),
        help_text=_("每周在此日此时（北京时间）之后把上周的周报发给局领导。"),
    )
    weekly_report_enabled = models.BooleanField(_("启用周报邮件"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(escalation_days__gte=1),
                name="%(app_label)s_%(class)s_escalation_days_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(approval_sla_days__gte=1),
                name="%(app_label)s_%(class)s_approval_sla_days_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(weekly_report_weekday__lte=6),
                name="%(app_label)s_%(class)s_weekly_report_weekday_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(_("每日 %(time)s 发送") % {"time": self.send_at.strftime("%H:%M")})

    @classmethod
    def current(cls) -> "ReminderSchedule":
        """The one schedule row, created with the defaults the first time it is asked for."""
        schedule, _created = cls.objects.get_or_create(pk=1)
        return schedule


class ReminderRun(models.Model):
    """One day's scan for overdue items: makes a repeated beat tick for the same day a no-op."""

    day = models.DateField(_("日期"), unique=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("逾期事项数"), default=0)
    reminder_count = models.PositiveIntegerField(_("新建提醒数"), default=0)

    class Meta:
        verbose_name = _("提醒扫描记录")
        verbose_name_plural = _("提醒扫描记录")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)


class Reminder(models.Model):
    """One reminder email to one person: the ledger row that makes sending exactly-once.

    States::

        pending 待发送 → sent 已发送
        pending → failed 发送失败 (after the last retry) → pending (the next run retries it)

    At most one reminder of each kind per recipient per day (and, for the single-object
    emails of ``SINGLE_KINDS``, per object: a lead assigned, an approval decided) is
    guaranteed by the unique constraint. ``enqueued_at`` is empty while no worker has been
    asked to send it (for instance because the broker was down); the next periodic run
    enqueues those rows again. ``items`` is the snapshot of what the email lists.
    """

    class Kind(models.TextChoices):
        OFFICER = "officer", _("逾期跟进提醒")
        DIGEST = "digest", _("专班汇总")
        ESCALATION = "escalation", _("逾期督办")
        ASSIGNMENT = "assignment", _("新线索分派")
        APPROVAL = "approval", _("审批结果")
        WEEKLY_REPORT = "weekly", _("周报")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    DAILY_KINDS = (Kind.OFFICER, Kind.DIGEST, Kind.ESCALATION)
    # Sent once a week (``day`` is the first day of the week reported on).
    WEEKLY_KINDS = (Kind.WEEKLY_REPORT,)
    # Emails about one object, sent when it happens ("<source>:<id>" in ``ref``).
    SINGLE_KINDS = (Kind.ASSIGNMENT, Kind.APPROVAL)

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("收件人"),
    )
    day = models.DateField(_("日期"))
    # Empty for the daily kinds; "<source>:<id>" for an assignment email.
    ref = models.CharField(_("关联对象"), max_length=60, blank=True, default="")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    email = models.EmailField(_("收件地址"), blank=True)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    item_count = models.PositiveIntegerField(_("事项数"), default=0)
    items = models.JSONField(_("事项"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "day", "ref"],
                name="%(app_label)s_%(class)s_once_per_day",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["officer", "digest", "escalation", "assignment", "approval", "weekly"]
                ),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "sent", "failed"]),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["assignment", "approval"]) | models.Q(ref=""),
                name="%(app_label)s_%(class)s_ref_only_for_assignment",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="sent") | models.Q(sent_at__isnull=False),
                name="%(app_label)s_%(class)s_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "day"]),
            models.Index(fields=["recipient", "-day"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.day})"


class ApiToken(models.Model):
    """A personal API token: shown once when created, stored only as its SHA-256 hash.

    It expires (``expires_at``), can be revoked from the profile page, and dies with a password
    change or the account's deactivation (``crm.tokens``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("用户"),
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("令牌前缀"), max_length=8, help_text=_("用于辨认令牌的前几位。"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("吊销原因"), max_length=100, blank=True)
    password_mark = models.CharField(
        _("密码标记"),
        max_length=64,
        blank=True,
        help_text=_("签发时密码的摘要：密码一经修改（无论从哪里修改），令牌即失效。"),
    )

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class SecurityEventKind(models.TextChoices):
    """What a security-log entry records."""

    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账户锁定")
    UNLOCK = "unlock", _("解除锁定")
    LOGOUT = "logout", _("退出")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    TOKEN_CREATED = "token_created", _("创建令牌")
    TOKEN_USED = "token_used", _("使用令牌")
    TOKEN_REVOKED = "token_revoked", _("吊销令牌")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    ADMIN_CHANGE = "admin_change", _("后台修改")


class SecurityEvent(models.Model):
    """One entry of the security log (等保 2.0): sign-ins, failures, lockouts, tokens, exports,
    imports and admin changes. Written only through ``crm.security.security_event_record``;
    never edited; kept ``SECURITY_LOG_RETENTION_DAYS`` (at least 180) and then purged.
    """

    Kind = SecurityEventKind

    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    username = models.CharField(
        _("用户名"), max_length=150, blank=True, help_text=_("登录失败时输入的用户名。")
    )
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)
    target = models.CharField(_("对象"), max_length=200, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("安全日志")
        verbose_name_plural = _("安全日志")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["kind", "occurred_at"])]
        constraints = [choices_check("kind", SecurityEventKind)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username or self.actor or ''}".strip()
