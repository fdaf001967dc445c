"""Forms of the account pages, and the assignment choices every record form shares."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.access import assignment_choices
from crm.exceptions import DomainError
from crm.models import ApiToken, NoticeChannel, Reminder, TeamWebhook, User
from crm.notifications.selectors import WEBHOOK_KIND_CHOICES, channels_for_user
from crm.writes import check_single_line


class ProfileForm(forms.ModelForm):
    """What a user edits about themselves: name, contact details and the daily email switch."""

    class Meta:
        model = User
        fields = ("full_name", "email", "phone", "receives_digests")

    def _post_clean(self) -> None:
        super()._post_clean()
        # The name goes into emails, exports and history: one line, as every record field.
        try:
            check_single_line(self.instance, ["full_name", "email", "phone"])
        except DomainError as error:
            for field, messages in error.field_errors.items():
                self.add_error(field, messages)


class AssignmentChoicesMixin:
    """Offers a model form's ``task_force`` and ``owner`` choices by ``crm.access``'s rule."""

    owner_help_text = _("留空则由您本人负责；分配给他人须由专班负责人操作。")

    def limit_assignment(self, user: User) -> None:
        instance = self.instance
        task_forces, owners = assignment_choices(
            user,
            task_force_id=instance.task_force_id if instance.pk else None,
            owner_id=instance.owner_id if instance.pk else None,
        )
        self.fields["task_force"].queryset = task_forces
        self.fields["owner"].queryset = owners
        if instance.pk and instance.owner_id:
            # Emptying the owner would be a reassignment nobody meant: an edit keeps one.
            self.fields["owner"].required = True
        else:
            self.fields["owner"].help_text = self.owner_help_text


class TokenCreateForm(forms.Form):
    """A new personal API token: only a name, to tell one's tokens apart."""

    name = forms.CharField(
        label=_("名称"),
        max_length=ApiToken._meta.get_field("name").max_length,
        required=False,
        help_text=_("例如“数据同步脚本”，便于日后辨认和吊销。"),
    )


class NotificationPreferencesForm(forms.Form):
    """One choice per event kind (``Reminder.SINGLE_KINDS``): inbox and email, inbox only, or
    nothing; shown on the profile page as a table of kinds by channels."""

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = channels_for_user(user)
        for kind in Reminder.SINGLE_KINDS:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=NoticeChannel.choices,
                initial=current[kind.value],
                widget=forms.RadioSelect,
            )

    channels = NoticeChannel.choices

    def rows(self) -> list[tuple[forms.BoundField, list]]:
        """Each kind's field with its radio buttons, in the order of the table's columns."""
        return [(self[name], list(self[name])) for name in self.fields]


class TeamWebhookForm(forms.ModelForm):
    """A task force's group robot: the task forces offered are the ones the user manages; the
    secret is write-only (left empty, the saved one is kept)."""

    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        max_length=TeamWebhook._meta.get_field("secret").max_length,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "钉钉机器人「加签」的密钥（SEC 开头），企业微信不需要；保存后不再显示，留空即不变。"
        ),
    )
    url = forms.URLField(
        label=_("Webhook 地址"),
        max_length=TeamWebhook._meta.get_field("url").max_length,
        assume_scheme="https",
        help_text=TeamWebhook._meta.get_field("url").help_text,
    )
    kinds = forms.MultipleChoiceField(
        label=_("推送内容"),
        required=False,
        choices=WEBHOOK_KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TeamWebhook
        fields = ("task_force", "kind", "name", "url", "kinds", "is_enabled")

    def __init__(self, *args, task_forces, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task_force"].queryset = task_forces
        if self.instance.pk:
            self.fields["task_force"].disabled = True
        else:
            self.fields["kinds"].initial = self.instance.kinds  # the model's default

    def _post_clean(self) -> None:
        # The model's rule (allowed host, DingTalk's secret) is checked by the service, with
        # the secret the form keeps when left empty.
        self.instance.secret = self.cleaned_data.get("secret") or self.instance.secret
        super()._post_clean()
