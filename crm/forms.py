"""Forms of the account pages, and the assignment choices every record form shares."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.access import assignment_choices
from crm.exceptions import DomainError
from crm.models import ApiToken, User
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
