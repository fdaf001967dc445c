"""Forms of the lead pages: they parse and validate input; ``leads.services`` saves."""

import datetime
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms import AssignmentChoicesMixin
from crm.inputs import BoundedInputMixin, VersionField
from crm.models import ChainLink, Channel, Industry, Region, User
from crm.validators import normalize_credit_code, validate_credit_code
from leads.models import FollowUp, Lead, TargetEnterprise
from leads.services import EDITABLE_FIELDS, TARGET_EDITABLE_FIELDS


def grouped_chain_link_choices() -> list[Any]:
    """Chain links grouped by their industry chain, for a ``chain_link`` select."""
    links = ChainLink.objects.select_related("chain").order_by(
        "chain__sort_order", "chain__code", "position"
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for link in links:
        groups.setdefault(link.chain.name, []).append((link.pk, link.name))
    return [("", "---------"), *groups.items()]


class LeadForm(BoundedInputMixin, AssignmentChoicesMixin, forms.ModelForm):
    """Create or edit a lead's fields (``leads.services.EDITABLE_FIELDS``).

    ``user`` limits the task forces and owners offered to what that user may assign;
    the lead's current values stay selectable so an unchanged form always validates.
    """

    confirm_duplicate_name = forms.BooleanField(
        label=_("仍然保存（确认不是同一家企业）"), required=False
    )

    class Meta:
        model = Lead
        fields = EDITABLE_FIELDS
        widgets = {
            "intent": forms.Textarea(attrs={"rows": 3}),
            "due_diligence_note": forms.Textarea(attrs={"rows": 3}),
            "next_follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "credit_code": forms.TextInput(
                attrs={"autocomplete": "off", "spellcheck": "false", "maxlength": 24}
            ),
        }
        help_texts = {
            "credit_code": _("18 位，搜集阶段可暂不填写；进入「筛选」前必须填写有效代码。"),
            "planned_investment": _("单位：万元。"),
            "due_diligence_note": _("企业真实情况的核查说明，进入「筛选」前必须填写。"),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        lead = self.instance if self.instance.pk else None
        self.fields["credit_code"].max_length = 24  # full-width input is folded before checking
        self.fields["credit_code"].validators = []
        self.fields["industry"].queryset = Industry.objects.filter(
            Q(is_active=True) | Q(pk=getattr(lead, "industry_id", None))
        )
        self.fields["channel"].queryset = Channel.objects.filter(
            Q(is_active=True) | Q(pk=getattr(lead, "channel_id", None))
        )
        self.fields["region"].queryset = Region.objects.filter(
            Q(is_active=True) | Q(pk=getattr(lead, "region_id", None))
        )
        self._limit_chain_links()
        self.limit_assignment(user)

    def _limit_chain_links(self) -> None:
        self.fields["chain_link"].choices = grouped_chain_link_choices()

    def _get_validation_exclusions(self) -> set[str]:
        # The credit code's uniqueness is checked by the service, whose message names the task
        # force that holds the code; the model's generic constraint message would not.
        return {*super()._get_validation_exclusions(), "credit_code"}

    def clean_credit_code(self) -> str:
        code = normalize_credit_code(self.cleaned_data.get("credit_code") or "")
        if code:
            validate_credit_code(code)
        return code

    def service_data(self) -> dict[str, Any]:
        """The cleaned values that ``lead_create`` / ``lead_update`` take."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class LeadEditForm(LeadForm):
    """The edit form carries the version the user loaded, to detect a concurrent change."""

    version = VersionField()


class FollowUpForm(BoundedInputMixin, forms.ModelForm):
    """A 跟进记录 for one lead; the date defaults to today."""

    class Meta:
        model = FollowUp
        fields = (
            "occurred_on",
            "method",
            "participants",
            "summary",
            "outcome",
            "next_follow_up_on",
        )
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["participants"].widget.attrs["placeholder"] = _("如：王招商、企业张总")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        occurred: datetime.date | None = cleaned.get("occurred_on")
        following: datetime.date | None = cleaned.get("next_follow_up_on")
        if occurred and following and following < occurred:
            self.add_error("next_follow_up_on", _("下次跟进日期不能早于本次跟进日期。"))
        return cleaned


class MoveForm(BoundedInputMixin, forms.Form):
    """A pipeline move: the target stage, a reason where the rules need one, and the version."""

    to = forms.ChoiceField(choices=Lead.Stage.choices)
    reason = forms.CharField(
        label=_("原因/说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = VersionField(required=False)


class ApprovalRequestForm(BoundedInputMixin, forms.Form):
    """提请审批: why the lead is ready for 对接 (the leader reads it in the queue)."""

    note = forms.CharField(
        label=_("提请说明"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明企业情况、对接计划和需要负责人关注的事项。"),
    )


class ApprovalDecisionForm(BoundedInputMixin, forms.Form):
    """A leader's decision: approve or send back; sending back needs a comment (the service
    says so next to the field)."""

    approve = forms.TypedChoiceField(
        choices=[("1", _("批准")), ("0", _("退回"))], coerce=lambda value: value == "1"
    )
    comment = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TargetEnterpriseForm(BoundedInputMixin, AssignmentChoicesMixin, forms.ModelForm):
    """File or edit a target enterprise (``leads.services.TARGET_EDITABLE_FIELDS``); the task
    forces and owners offered are those ``user`` may assign, as on the lead form."""

    confirm_duplicate_name = forms.BooleanField(
        label=_("仍然保存（确认不是同一家企业）"), required=False
    )

    class Meta:
        model = TargetEnterprise
        fields = TARGET_EDITABLE_FIELDS
        widgets = {
            "reason": forms.Textarea(
                attrs={"rows": 3, "placeholder": _("如：补齐精深加工环节，可带动本地稻米转化")}
            ),
            "credit_code": forms.TextInput(
                attrs={"autocomplete": "off", "spellcheck": "false", "maxlength": 24}
            ),
            "contact_hint": forms.TextInput(
                attrs={"placeholder": _("如：经虎林籍企业家引荐、哈洽会上结识")}
            ),
        }
        help_texts = {
            "credit_code": _("18 位，可暂不填写；转为线索后进入「筛选」前必须填写。"),
            "chain_link": _("它要补上、延伸或加强的产业链环节。"),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = self.instance if self.instance.pk else None
        self.fields["credit_code"].max_length = 24  # full-width input is folded before checking
        self.fields["credit_code"].validators = []
        self.fields["chain_link"].choices = grouped_chain_link_choices()
        self.fields["region"].queryset = Region.objects.filter(
            Q(is_active=True) | Q(pk=getattr(target, "region_id", None))
        )
        self.limit_assignment(user)

    def _get_validation_exclusions(self) -> set[str]:
        # Uniqueness of the credit code is the service's to check, with a message that names
        # the task force holding it.
        return {*super()._get_validation_exclusions(), "credit_code"}

    def clean_credit_code(self) -> str:
        code = normalize_credit_code(self.cleaned_data.get("credit_code") or "")
        if code:
            validate_credit_code(code)
        return code

    def service_data(self) -> dict[str, Any]:
        """The cleaned values that ``target_create`` / ``target_update`` take."""
        return {name: self.cleaned_data[name] for name in TARGET_EDITABLE_FIELDS}


class TargetEnterpriseEditForm(TargetEnterpriseForm):
    """The edit form carries the version the user loaded, to detect a concurrent change."""

    version = VersionField()


class TargetConvertForm(BoundedInputMixin, forms.Form):
    """转为线索: the channel the lead came through (the rest is the target's), the target's
    version, and the confirmation a similar company name asks for."""

    channel = forms.ModelChoiceField(
        label=_("招商渠道"),
        queryset=Channel.objects.filter(is_active=True),
        help_text=_("线索必填：这家企业是通过什么渠道对接上的。"),
    )
    confirm_duplicate_name = forms.BooleanField(
        label=_("仍然转为线索（确认不是同一家企业）"), required=False
    )
    version = VersionField(required=False)
