"""The floor everything stands on: users and roles, task forces, reference data, change history."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
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


class ChangeSource(models.TextChoices):
    """Where a change was made (``ChangeLog.Source``, set by ``crm.audit.change_source``): an
    imported row says so in its history."""

    WEB = "web", _("网页")
    API = "api", _("接口")
    ADMIN = "admin", _("管理后台")
    IMPORT = "import", _("导入")


class ChangeLog(models.Model):
    """One recorded change to a business object: who, when, what, and each field's old → new.

    Written explicitly by services (never by signals). ``changes`` is a list of
    ``{"field": name, "label": verbose name, "old": text, "new": text}``.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    Source = ChangeSource

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
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "changed_at"])]
        constraints = [choices_check("source", ChangeSource)]

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


# The event kinds added with the inbox and the team webhooks (``Reminder.SINGLE_KINDS``).
NOTICE_ONLY_KINDS = ("approval_ask", "sent_back", "mention", "task")


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
        APPROVAL_ASK = "approval_ask", _("提请审批")
        SENT_BACK = "sent_back", _("线索退回")
        MENTION = "mention", _("评论提及")
        TASK = "task", _("新任务")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    DAILY_KINDS = (Kind.OFFICER, Kind.DIGEST, Kind.ESCALATION)
    # Sent once a week (``day`` is the first day of the week reported on).
    WEEKLY_KINDS = (Kind.WEEKLY_REPORT,)
    # Messages about one event, sent when it happens ("<source>:<id>" in ``ref``): by email,
    # in the inbox (``Notice``) and to team webhooks, as each one's preferences say.
    SINGLE_KINDS = (
        Kind.ASSIGNMENT,
        Kind.APPROVAL_ASK,
        Kind.APPROVAL,
        Kind.SENT_BACK,
        Kind.MENTION,
        Kind.TASK,
    )

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    # A person's email, or (``webhook`` set, no recipient) a message to a task force's robot.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("收件人"),
    )
    webhook = models.ForeignKey(
        "crm.TeamWebhook",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("群机器人"),
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
            # A robot gets each event, and each day's summary, once too.
            models.UniqueConstraint(
                fields=["kind", "webhook", "day", "ref"],
                condition=models.Q(webhook__isnull=False),
                name="%(app_label)s_%(class)s_webhook_once_per_day",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=True, webhook__isnull=False)
                | models.Q(recipient__isnull=False, webhook__isnull=True),
                name="%(app_label)s_%(class)s_person_or_webhook",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "officer",
                        "digest",
                        "escalation",
                        "assignment",
                        "approval",
                        "weekly",
                        *NOTICE_ONLY_KINDS,
                    ]
                ),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "sent", "failed"]),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["assignment", "approval", *NOTICE_ONLY_KINDS])
                | models.Q(ref=""),
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
        return f"{self.get_kind_display()} → {self.recipient or self.webhook} ({self.day})"


class WebhookKind(models.TextChoices):
    """Which group robot a ``TeamWebhook`` posts to."""

    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


def default_webhook_kinds() -> list[str]:
    """What a new robot is told: the team's events and the morning's overdue summary."""
    return ["assignment", "approval_ask", "approval", "sent_back", "task", "digest"]


class TeamWebhook(models.Model):
    """A task force's WeCom or DingTalk group robot: it hears of the team's events of the
    chosen ``kinds`` and of the daily overdue summary (``digest``), through the reminder
    ledger (``Reminder.webhook``). ``secret`` signs DingTalk requests; it is never shown again
    once saved. The URL must be on ``WEBHOOK_ALLOWED_HOSTS`` (``crm.notifications.webhooks``).
    """

    Kind = WebhookKind

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("专班")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=WebhookKind.choices)
    name = models.CharField(_("名称"), max_length=50, help_text=_("例如「米业专班工作群」。"))
    url = models.URLField(
        _("Webhook 地址"),
        max_length=500,
        help_text=_("群机器人的 Webhook 地址（企业微信含 key，钉钉含 access_token）。"),
    )
    secret = models.CharField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉机器人「加签」安全设置的密钥（SEC 开头）；保存后不再显示。"),
    )
    kinds = models.JSONField(_("推送内容"), default=default_webhook_kinds, blank=True)
    is_enabled = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("专班群机器人")
        verbose_name_plural = _("专班群机器人")
        ordering = ["task_force__name", "name", "id"]
        constraints = [choices_check("kind", WebhookKind)]

    def __str__(self) -> str:
        return f"{self.task_force} · {self.name}"

    def clean(self) -> None:
        # The rule lives with the sending code, which checks the URL again before each post.
        from crm.notifications.webhooks import webhook_url_problem

        problem = webhook_url_problem(self.url)
        if problem:
            raise ValidationError({"url": problem})
        if self.kind == WebhookKind.DINGTALK and not self.secret:
            raise ValidationError({"secret": _("钉钉机器人请填写「加签」密钥。")})

    def wants(self, kind: str) -> bool:
        return self.is_enabled and kind in (self.kinds or [])


# The events a person is told of (``Reminder.SINGLE_KINDS``), for the inbox and preferences.
EVENT_KIND_CHOICES = [(kind.value, kind.label) for kind in Reminder.SINGLE_KINDS]


class Notice(models.Model):
    """One message in a person's inbox (我的消息): an event of ``Reminder.SINGLE_KINDS`` that
    concerns them, linking only to what they may see. Written in the event's own transaction;
    ``ref`` ("<source>:<id>") makes a retried service add nothing."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=12, choices=EVENT_KIND_CHOICES)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    ref = models.CharField(_("关联对象"), max_length=60)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "ref"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["assignment", "approval", *NOTICE_ONLY_KINDS]),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NoticeChannel(models.TextChoices):
    """How a person wants to hear of one kind of event."""

    EMAIL = "email", _("站内消息和邮件")
    IN_APP = "in_app", _("仅站内消息")
    NONE = "none", _("不通知")


class NotificationPreference(models.Model):
    """A person's choice for one event kind; without a row the kind's default applies
    (``crm.notifications.notices.DEFAULT_CHANNELS``)."""

    Channel = NoticeChannel

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("类型"), max_length=12, choices=EVENT_KIND_CHOICES)
    channel = models.CharField(_("方式"), max_length=10, choices=NoticeChannel.choices)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="%(app_label)s_%(class)s_once"),
            choices_check("channel", NoticeChannel),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}: {self.get_channel_display()}"


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


class ImportStatus(models.TextChoices):
    """An import's state (``ImportLog.Status``); module level so ``Meta`` derives its constraint."""

    PREVIEW = "preview", _("预览（未写入）")
    DONE = "done", _("已导入")
    REFUSED = "refused", _("有错误，未导入")


class ImportOnMatch(models.TextChoices):
    """What an import does with a row that is already a record (same credit code)."""

    SKIP = "skip", _("跳过，保留系统中的记录")
    UPDATE = "update", _("用表中内容更新")


class ImportOnSimilar(models.TextChoices):
    """What an import does with a row whose name matches a record's (a possible duplicate)."""

    SKIP = "skip", _("跳过，不导入")
    IMPORT = "import", _("仍然导入为新记录")


class ImportLog(models.Model):
    """One import of a 台账 file (``crm.imports``): who, when, which file, what it did.

    A preview (``dry_run``) writes nothing and keeps the uploaded file (``stored_file``, under
    ``IMPORT_UPLOAD_DIR``) until it is confirmed or expires; the confirmed import updates the
    same row. ``errors`` holds the problems found (capped), each
    ``{"row", "column", "letter", "message", "severity"}``; the counts are complete.

    States::

        preview 待确认 (checked, nothing written) → done 已导入 (every row written)
        preview → refused 未导入 (a problem found at the import itself: nothing written)
    """

    Status = ImportStatus
    OnMatch = ImportOnMatch
    OnSimilar = ImportOnSimilar

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    kind = models.CharField(_("类型"), max_length=20)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    sha256 = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    stored_file = models.CharField(_("暂存文件"), max_length=100, blank=True)
    on_match = models.CharField(
        _("与已有记录相同"), max_length=10, choices=OnMatch.choices, default=OnMatch.SKIP
    )
    on_similar = models.CharField(
        _("与已有记录名称相近"), max_length=10, choices=OnSimilar.choices, default=OnSimilar.SKIP
    )
    mapping = models.JSONField(_("列对应关系"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    created_count = models.PositiveIntegerField(_("新建"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    skipped_count = models.PositiveIntegerField(_("跳过"), default=0)
    error_count = models.PositiveIntegerField(_("错误"), default=0)
    warning_count = models.PositiveIntegerField(_("提示"), default=0)
    errors = models.JSONField(_("问题"), default=list, blank=True)
    dry_run = models.BooleanField(_("仅预览"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "-created_at"])]
        constraints = [
            choices_check("status", ImportStatus),
            choices_check("on_match", ImportOnMatch),
            choices_check("on_similar", ImportOnSimilar),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(dry_run=False),
                name="%(app_label)s_%(class)s_done_not_dry_run",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])


class Attachment(models.Model):
    """A file attached to a record (a lead, a project, a 对上争取 application): an agreement, a
    photo of a site inspection, a scanned approval.

    It points at its record the way ``ChangeLog`` does (content type and id), and whoever sees
    the record sees its files (``crm.registry.attachable``). The file lives in the
    ``attachments`` storage under ``attachments/<yyyy>/<mm>/<uuid>``, a name without anything the
    uploader typed; ``mime_type`` is what the content is (sniffed), never what the browser said.
    A removal keeps the row as history (who, when, why) and deletes the stored file.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    storage_name = models.CharField(_("存储位置"), max_length=255)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    mime_type = models.CharField(_("文件类型"), max_length=100)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("删除人"),
    )
    removal_reason = models.CharField(_("删除原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "uploaded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removed_at__isnull=True) | ~models.Q(removal_reason=""),
                name="%(app_label)s_%(class)s_removal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        """The download, through the view that checks who asks (``crm.files_views``)."""
        return reverse("attachment_download", args=[self.pk, self.original_name])

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Comment(models.Model):
    """A remark on a lead or a project, on its timeline; ``@姓名`` or ``@username`` mentions
    colleagues who can see the record (``crm.comments``). Comments are not edited: like a
    follow-up, what was said stays as it was said."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    body = models.TextField(_("内容"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("发表人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="mentioned_in_comments",
        blank=True,
        verbose_name=_("提到的人"),
    )

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(body=""), name="%(app_label)s_%(class)s_body_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.body[:50]
