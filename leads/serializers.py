"""The shape of leads and follow-ups in the REST API.

Serializers check the shape of the input only (types, choices, codes that exist, the credit
code's check character); every rule about what may change lives in ``leads.services``, which the
API calls with the validated data. Nothing here saves a model.
"""

import datetime
import re
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from crm.api import StrictInputMixin, VersionField
from crm.models import ChainLink, Channel, Industry, Region, TaskForce, User
from crm.validators import validate_credit_code
from leads.models import ApprovalRequest, FollowUp, Lead, TargetEnterprise


def _check_credit_code(value: str) -> None:
    """The credit code is optional at collect; when given it must pass GB 32100-2015."""
    if value.strip():
        validate_credit_code(value)


def _read_as_drf(field: serializers.Field) -> Callable[[Any], Any]:
    """DRF's own way to read one field of a row (``Serializer.to_representation``'s loop)."""

    def read(instance: Any) -> Any:
        attribute = field.get_attribute(instance)  # may raise SkipField
        if attribute is None or (isinstance(attribute, PKOnlyObject) and attribute.pk is None):
            return None
        return field.to_representation(attribute)

    return read


def _reader(field: serializers.Field) -> Callable[[Any], Any]:
    """A reader giving what DRF gives for ``field``: plain attributes of the row are read
    directly, anything else (dotted sources, dates and times, amounts) goes DRF's way."""
    if isinstance(field, serializers.SerializerMethodField):
        return getattr(field.parent, field.method_name)
    if len(field.source_attrs) != 1:
        return _read_as_drf(field)
    name = field.source_attrs[0]
    kind = type(field)
    model = field.parent.Meta.model
    if kind is serializers.PrimaryKeyRelatedField and field.pk_field is None:
        return attrgetter(model._meta.get_field(name).attname)
    shown = re.fullmatch(r"get_(\w+)_display", name)
    if kind is serializers.CharField and shown:
        # Django's get_FOO_display translates every choice of the field on each call.
        choice_name = shown.group(1)
        labels = {
            value: str(label) for value, label in model._meta.get_field(choice_name).flatchoices
        }

        def read_label(instance: Any) -> Any:
            value = getattr(instance, choice_name)
            return labels.get(value, value)

        return read_label
    if kind in (serializers.CharField, serializers.EmailField):

        def read_text(instance: Any) -> Any:
            value = getattr(instance, name)
            if callable(value):  # a method without arguments, as DRF calls it
                value = value()
            return None if value is None else str(value)

        return read_text
    if kind is serializers.ChoiceField:
        by_text = field.choice_strings_to_values

        def read_choice(instance: Any) -> Any:
            value = getattr(instance, name)
            return value if value in ("", None) else by_text.get(str(value), value)

        return read_choice
    if kind in (serializers.IntegerField, VersionField):

        def read_int(instance: Any) -> Any:
            value = getattr(instance, name)
            return None if value is None else int(value)

        return read_int
    if kind is serializers.SlugRelatedField:
        slug = field.slug_field

        def read_slug(instance: Any) -> Any:
            related = getattr(instance, name)
            return None if related is None else getattr(related, slug)

        return read_slug
    return _read_as_drf(field)


class FastReadMixin:
    """Rows read without DRF's per-field machinery, the same JSON: a list of 50 leads of 38
    fields spent most of its time in ``Field.get_attribute``. Each field's reader (``_reader``)
    is chosen once per serializer, which a list's rows share."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        readers = self.__dict__.get("_readers")
        if readers is None:
            readers = self._readers = [
                (field.field_name, _reader(field)) for field in self._readable_fields
            ]
        data = {}
        for name, read in readers:
            try:
                data[name] = read(instance)
            except SkipField:
                continue
        return data


class LeadSerializer(FastReadMixin, StrictInputMixin, serializers.ModelSerializer):
    """A lead as the API shows and accepts it.

    Reference data goes by code (``"industry": "rice"``), users and task forces by id with their
    names alongside (read-only). ``version`` is shown, and on PATCH it may be sent back to say
    which version the client changed (a stale one answers 409). ``confirm_duplicate_name`` saves
    despite a lead with a similar company name.
    """

    credit_code = serializers.CharField(
        label=Lead._meta.get_field("credit_code").verbose_name,
        max_length=40,
        required=False,
        allow_blank=True,
        validators=[_check_credit_code],
    )
    industry = serializers.SlugRelatedField(slug_field="code", queryset=Industry.objects.all())
    industry_name = serializers.CharField(source="industry.name", read_only=True)
    chain_link = serializers.SlugRelatedField(
        slug_field="code", queryset=ChainLink.objects.all(), required=False, allow_null=True
    )
    channel = serializers.SlugRelatedField(slug_field="code", queryset=Channel.objects.all())
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    owner_name = serializers.CharField(source="owner", read_only=True, allow_null=True)
    task_force = serializers.PrimaryKeyRelatedField(
        queryset=TaskForce.objects.all(), required=False, allow_null=True
    )
    task_force_name = serializers.CharField(source="task_force", read_only=True, allow_null=True)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    created_by_name = serializers.CharField(source="created_by", read_only=True)
    updated_by_name = serializers.CharField(source="updated_by", read_only=True)
    version = VersionField(
        help_text=_("修改时可带上读取到的版本号；若线索已被他人修改，返回 409。"),
    )
    confirm_duplicate_name = serializers.BooleanField(
        required=False, default=False, write_only=True
    )
    is_overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = (
            "id",
            "company_name",
            "credit_code",
            "industry",
            "industry_name",
            "chain_link",
            "chain_role",
            "channel",
            "channel_name",
            "referrer_name",
            "referrer_kind",
            "referrer_contact",
            "region",
            "contact_name",
            "contact_phone",
            "contact_email",
            "planned_investment",
            "intent",
            "rating",
            "due_diligence_note",
            "owner",
            "owner_name",
            "task_force",
            "task_force_name",
            "stage",
            "stage_display",
            "next_follow_up_on",
            "last_follow_up_on",
            "last_activity_on",
            "is_overdue",
            "days_overdue",
            "version",
            "confirm_duplicate_name",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_by",
            "updated_by_name",
            "updated_at",
        )
        read_only_fields = (
            "stage",
            "last_follow_up_on",
            "last_activity_on",
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        )
        # Uniqueness of the credit code is the service's to check: its message names the task
        # force that holds the code without revealing a lead the user may not see.
        validators: list = []

    def _today(self) -> datetime.date:
        if "today" not in self.context:
            self.context["today"] = timezone.localdate()
        return self.context["today"]

    def get_is_overdue(self, lead: Lead) -> bool:
        return lead.is_overdue(self._today())

    def get_days_overdue(self, lead: Lead) -> int:
        return lead.days_overdue(self._today())


class TransitionSerializer(StrictInputMixin, serializers.Serializer):
    """A requested stage move: the target stage, the reason and, optionally, the version seen."""

    to = serializers.ChoiceField(choices=Lead.Stage.choices, label=_("目标阶段"))
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, label=_("原因/说明")
    )
    version = VersionField(label=_("版本"))


class FollowUpSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A follow-up (跟进记录) of a lead; ``created_by`` is whoever records it."""

    method_display = serializers.CharField(source="get_method_display", read_only=True)
    created_by_name = serializers.CharField(source="created_by", read_only=True)

    class Meta:
        model = FollowUp
        fields = (
            "id",
            "lead",
            "occurred_on",
            "method",
            "method_display",
            "participants",
            "summary",
            "outcome",
            "next_follow_up_on",
            "created_by",
            "created_by_name",
            "created_at",
        )
        read_only_fields = ("lead", "created_by", "created_at")


class ApprovalSerializer(serializers.ModelSerializer):
    """A request to move a lead 筛选 → 对接 (提请审批) and its decision, as the API shows it."""

    lead_name = serializers.CharField(source="lead.company_name", read_only=True)
    lead_stage = serializers.CharField(source="lead.stage", read_only=True)
    task_force = serializers.IntegerField(
        source="lead.task_force_id", read_only=True, allow_null=True
    )
    task_force_name = serializers.CharField(
        source="lead.task_force", read_only=True, allow_null=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by", read_only=True, allow_null=True)

    class Meta:
        model = ApprovalRequest
        fields = (
            "id",
            "lead",
            "lead_name",
            "lead_stage",
            "task_force",
            "task_force_name",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "note",
            "status",
            "status_display",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "comment",
        )
        read_only_fields = fields


class ApprovalAskSerializer(StrictInputMixin, serializers.Serializer):
    """提请审批: why the lead is ready for 对接."""

    note = serializers.CharField(max_length=2000, label=_("提请说明"))


class ApprovalDecisionSerializer(StrictInputMixin, serializers.Serializer):
    """A leader's decision: ``approve`` true moves the lead to 对接; false sends the request back
    and needs a ``comment``."""

    approve = serializers.BooleanField(label=_("批准"))
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, label=_("审批意见")
    )


class TargetEnterpriseSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A target enterprise (目标企业) as the API shows and accepts it.

    The chain link and the region go by code, the owner and the task force by id, as for
    leads; the chain and its industry are read-only (they follow the link). ``lead`` is the id
    of the lead the target became (``null`` until ``convert``).
    """

    credit_code = serializers.CharField(
        label=TargetEnterprise._meta.get_field("credit_code").verbose_name,
        max_length=40,
        required=False,
        allow_blank=True,
        validators=[_check_credit_code],
    )
    chain_link = serializers.SlugRelatedField(slug_field="code", queryset=ChainLink.objects.all())
    chain_link_name = serializers.CharField(source="chain_link.name", read_only=True)
    chain = serializers.CharField(source="chain_link.chain.code", read_only=True)
    chain_name = serializers.CharField(source="chain_link.chain.name", read_only=True)
    industry = serializers.CharField(source="chain_link.chain.industry.code", read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    owner_name = serializers.CharField(source="owner", read_only=True, allow_null=True)
    task_force = serializers.PrimaryKeyRelatedField(
        queryset=TaskForce.objects.all(), required=False, allow_null=True
    )
    task_force_name = serializers.CharField(source="task_force", read_only=True, allow_null=True)
    is_converted = serializers.BooleanField(read_only=True)
    created_by_name = serializers.CharField(source="created_by", read_only=True)
    updated_by_name = serializers.CharField(source="updated_by", read_only=True)
    version = VersionField(
        help_text=_("修改时可带上读取到的版本号；若目标企业已被他人修改，返回 409。"),
    )
    confirm_duplicate_name = serializers.BooleanField(
        required=False, default=False, write_only=True
    )

    class Meta:
        model = TargetEnterprise
        fields = (
            "id",
            "company_name",
            "credit_code",
            "chain_link",
            "chain_link_name",
            "chain",
            "chain_name",
            "industry",
            "chain_role",
            "region",
            "reason",
            "contact_hint",
            "owner",
            "owner_name",
            "task_force",
            "task_force_name",
            "lead",
            "is_converted",
            "version",
            "confirm_duplicate_name",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_by",
            "updated_by_name",
            "updated_at",
        )
        read_only_fields = (
            "lead",
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        )
        # Uniqueness of the credit code is the service's to check (see ``LeadSerializer``).
        validators: list = []


class TargetConvertSerializer(StrictInputMixin, serializers.Serializer):
    """转为线索: the channel the lead came through (by code); the rest is the target's."""

    channel = serializers.SlugRelatedField(
        slug_field="code", queryset=Channel.objects.filter(is_active=True), label=_("招商渠道")
    )
    confirm_duplicate_name = serializers.BooleanField(required=False, default=False)
    version = VersionField(label=_("版本"))
