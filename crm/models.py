"""The floor everything stands on: users and roles, task forces, reference data, change history."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: an officer, a task-force leader, a bureau leader or an administrator.

    The role decides the default scope of what a user sees (see ``crm.visibility``); task-force
    membership and leadership widen an officer's or a leader's scope.
    """

    class Role(models.TextChoices):
        OFFICER = "officer", _("招商专员")
        LEADER = "leader", _("专班负责人")
        BUREAU_LEADER = "bureau_leader", _("局领导")
        ADMIN = "admin", _("系统管理员")

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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["officer", "leader", "bureau_leader", "admin"]),
                name="%(app_label)s_%(class)s_role_valid",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    @property
    def sees_everything(self) -> bool:
        """Bureau leaders, administrators and superusers read every record."""
        return self.is_superuser or self.role in (self.Role.BUREAU_LEADER, self.Role.ADMIN)


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
