"""Forms of the project pages: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.access import users_who_see_q
from crm.forms import AssignmentChoicesMixin
from crm.inputs import BoundedInputMixin, IdsChoiceField, VersionField
from crm.models import User
from projects.models import Project, SupportApplication
from projects.services import EDITABLE_FIELDS, SUPPORT_EDITABLE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"})


class ProjectForm(BoundedInputMixin, AssignmentChoicesMixin, forms.ModelForm):
    """Create or edit a project's fields; ``user`` limits the task forces and owners offered."""

    owner_help_text = _("留空则由您本人负责；交给他人须由专班负责人操作。")

    class Meta:
        model = Project
        fields = EDITABLE_FIELDS
        widgets = {
            "target_commence_on": DATE,
            "target_production_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = False
        self.limit_assignment(user)


class ProjectEditForm(ProjectForm):
    """The edit form carries the version the user loaded, to detect a concurrent change."""

    version = VersionField()


class LeadConversionForm(BoundedInputMixin, forms.ModelForm):
    """What the officer confirms or adds when a docking lead becomes a project."""

    class Meta:
        model = Project
        fields = (
            "name",
            "category",
            "leader",
            "department",
            "location",
            "target_commence_on",
            "target_production_on",
        )
        widgets = {"target_commence_on": DATE, "target_production_on": DATE}


class TransitionForm(BoundedInputMixin, forms.Form):
    to = forms.ChoiceField(label=_("推进到"), choices=Project.Status.choices)
    date = forms.DateField(label=_("日期"), required=False, widget=DATE)
    signed_amount = forms.DecimalField(
        label=_("签约金额（万元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    reason = forms.CharField(
        label=_("原因/说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = VersionField(required=False)


class CapitalIncreaseForm(BoundedInputMixin, forms.Form):
    agreed_on = forms.DateField(label=_("增资日期"), widget=DATE)
    amount = forms.DecimalField(
        label=_("新增投资（万元）"), min_value=0, max_digits=14, decimal_places=2
    )
    signed_amount = forms.DecimalField(
        label=_("新增签约金额（万元）"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    note = forms.CharField(label=_("说明"), required=False)


class FundsArrivalForm(BoundedInputMixin, forms.Form):
    arrived_on = forms.DateField(label=_("到位日期"), widget=DATE)
    amount = forms.DecimalField(
        label=_("到位金额（万元）"),
        max_digits=14,
        decimal_places=2,
        help_text=_("核减时填负数。"),
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class ProgressReportForm(BoundedInputMixin, forms.Form):
    reported_on = forms.DateField(label=_("报告日期"), widget=DATE)
    percent = forms.IntegerField(label=_("形象进度（%）"), min_value=0, max_value=100)
    done = forms.CharField(label=_("本期完成"), widget=forms.Textarea(attrs={"rows": 2}))
    problems = forms.CharField(
        label=_("需协调解决的问题"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    problem_owner = forms.CharField(label=_("责任单位/人"), required=False, max_length=100)


class TaskForm(BoundedInputMixin, forms.Form):
    title = forms.CharField(label=_("任务"), max_length=200)
    assignee = forms.ModelChoiceField(label=_("责任人"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("完成时限"), widget=DATE)

    def __init__(self, *args, project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only people who see the project: the assignee opens it from the reminder.
        self.fields["assignee"].queryset = (
            User.objects.filter(users_who_see_q(project)).distinct().order_by("full_name")
        )


class SupportApplicationForm(BoundedInputMixin, AssignmentChoicesMixin, forms.ModelForm):
    version = VersionField(required=False)

    class Meta:
        model = SupportApplication
        fields = (*SUPPORT_EDITABLE_FIELDS, "projects")
        field_classes = {"projects": IdsChoiceField}
        widgets = {"deadline": DATE, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, projects_queryset=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = False
        self.limit_assignment(user)
        if projects_queryset is not None:
            self.fields["projects"].queryset = projects_queryset


class SupportTransitionForm(BoundedInputMixin, forms.Form):
    to = forms.ChoiceField(label=_("推进到"), choices=SupportApplication.Status.choices)
    amount = forms.DecimalField(
        label=_("金额（万元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    reason = forms.CharField(label=_("原因/说明"), required=False)
    version = VersionField(required=False)
