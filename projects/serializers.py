"""The shape of projects, the board and 对上争取 in the REST API.

Serializers check the shape of input only; every rule lives in ``projects.services``.
"""

from django.utils import timezone
from rest_framework import serializers

from crm.api import StrictInputMixin, VersionField
from crm.models import ChainLink, Industry, TaskForce, User
from crm.validators import validate_credit_code
from projects.models import Project, SupportApplication


def _check_credit_code(value: str) -> None:
    if value.strip():
        validate_credit_code(value)


class ProjectSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A project; reference data by code, users and task forces by id (names alongside)."""

    credit_code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, validators=[_check_credit_code]
    )
    industry = serializers.SlugRelatedField(
        slug_field="code", queryset=Industry.objects.all(), required=False, allow_null=True
    )
    chain_link = serializers.SlugRelatedField(
        slug_field="code", queryset=ChainLink.objects.all(), required=False, allow_null=True
    )
    leader = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    leader_name = serializers.CharField(source="leader", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    task_force = serializers.PrimaryKeyRelatedField(
        queryset=TaskForce.objects.all(), required=False, allow_null=True
    )
    task_force_name = serializers.CharField(source="task_force", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    reached_signed = serializers.BooleanField(read_only=True)
    target = serializers.SerializerMethodField()
    latest_progress = serializers.SerializerMethodField()
    version = VersionField()

    class Meta:
        model = Project
        fields = (
            "id",
            "name",
            "category",
            "category_display",
            "enterprise_name",
            "credit_code",
            "lead",
            "industry",
            "chain_link",
            "total_investment",
            "signed_amount",
            "funds_in_place",
            "leader",
            "leader_name",
            "owner",
            "task_force",
            "task_force_name",
            "department",
            "location",
            "description",
            "status",
            "status_display",
            "status_changed_on",
            "reached_signed",
            "framework_signed_on",
            "signed_on",
            "target_commence_on",
            "commenced_on",
            "target_production_on",
            "producing_on",
            "target",
            "latest_progress",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "lead",
            "status",
            "status_changed_on",
            "framework_signed_on",
            "signed_on",
            "commenced_on",
            "producing_on",
            "created_at",
            "updated_at",
        )

    def get_target(self, project: Project) -> dict | None:
        target = getattr(project, "target", None)
        if target is None:
            return None
        return {
            "id": target.pk,
            "description": target.description,
            "due_on": target.due_on,
            "days_left": target.days_left(timezone.localdate()),
            "late": target.days_left(timezone.localdate()) < 0,
        }

    def get_latest_progress(self, project: Project) -> dict | None:
        if getattr(project, "progress_on", None) is None:
            return None
        return {
            "reported_on": project.progress_on,
            "percent": project.progress_percent,
            "done": project.progress_done,
        }


class ProjectTransitionSerializer(StrictInputMixin, serializers.Serializer):
    to = serializers.ChoiceField(choices=Project.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    date = serializers.DateField(required=False, allow_null=True, default=None)
    signed_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )
    version = VersionField(allow_null=True, default=None)


class SupportApplicationSerializer(StrictInputMixin, serializers.ModelSerializer):
    projects = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.all(), many=True, required=False
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    task_force = serializers.PrimaryKeyRelatedField(
        queryset=TaskForce.objects.all(), required=False, allow_null=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    fund_source_display = serializers.CharField(source="get_fund_source_display", read_only=True)

    class Meta:
        model = SupportApplication
        fields = (
            "id",
            "title",
            "fund_source",
            "fund_source_display",
            "policy_reference",
            "projects",
            "amount_requested",
            "amount_approved",
            "amount_allocated",
            "deadline",
            "owner",
            "task_force",
            "status",
            "status_display",
            "status_changed_on",
            "note",
            "version",
            "created_at",
        )
        read_only_fields = (
            "amount_approved",
            "amount_allocated",
            "status",
            "status_changed_on",
            "version",
            "created_at",
        )
