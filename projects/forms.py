"""Forms of the project pages: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import User
from projects.models import Project, SupportApplication
from projects.services import EDITABLE_FIELDS, SUPPORT_EDITABLE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"})


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = EDITABLE_FIELDS
        widgets = {
            "target_commence_on": DATE,
            "target_production_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class LeadConversionForm(forms.ModelForm):
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


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("推进到"), choices=Project.Status.choices)
    date = forms.DateField(label=_("日期"), required=False, widget=DATE)
    signed_amount = forms.DecimalField(
        label=_("签约金额（万元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    reason = forms.CharField(
        label=_("原因/说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CapitalIncreaseForm(forms.Form):
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


class ProgressReportForm(forms.Form):
    reported_on = forms.DateField(label=_("报告日期"), widget=DATE)
    percent = forms.IntegerField(label=_("形象进度（%）"), min_value=0, max_value=100)
    done = forms.CharField(label=_("本期完成"), widget=forms.Textarea(attrs={"rows": 2}))
    problems = forms.CharField(
        label=_("需协调解决的问题"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    problem_owner = forms.CharField(label=_("责任单位/人"), required=False, max_length=100)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("任务"), max_length=200)
    assignee = forms.ModelChoiceField(
        label=_("责任人"), queryset=User.objects.filter(is_active=True)
    )
    due_on = forms.DateField(label=_("完成时限"), widget=DATE)


class SupportApplicationForm(forms.ModelForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = SupportApplication
        fields = (*SUPPORT_EDITABLE_FIELDS, "projects")
        widgets = {"deadline": DATE, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, projects_queryset=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if projects_queryset is not None:
            self.fields["projects"].queryset = projects_queryset


class SupportTransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("推进到"), choices=SupportApplication.Status.choices)
    amount = forms.DecimalField(
        label=_("金额（万元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    reason = forms.CharField(label=_("原因/说明"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
