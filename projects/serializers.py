"""The shape of projects, the board and 对上争取 in the REST API.

Serializers check the shape of input only; every rule lives in ``projects.services``.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api import StrictInputMixin, VersionField
from crm.models import ChainLink, Industry, TaskForce, User
from crm.validators import validate_credit_code
from projects.models import FundsArrival, Project, SupportApplication


def _check_credit_code(value: str) -> None:
    if value.strip():
        validate_credit_code(value)


class ProjectTargetSerializer(serializers.Serializer):
    """The target a project is under (read-only): its deadline and the days left."""

    id = serializers.IntegerField()
    description = serializers.CharField()
    due_on = serializers.DateField()
    days_left = serializers.IntegerField()
    late = serializers.BooleanField()


class ProjectProgressSerializer(serializers.Serializer):
    """A project's latest progress report (read-only)."""

    reported_on = serializers.DateField()
    percent = serializers.IntegerField()
    done = serializers.CharField()


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
    leader_name = serializers.CharField(source="leader", read_only=True, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    task_force = serializers.PrimaryKeyRelatedField(
        queryset=TaskForce.objects.all(), required=False, allow_null=True
    )
    task_force_name = serializers.CharField(source="task_force", read_only=True, allow_null=True)
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

    @extend_schema_field(ProjectTargetSerializer(allow_null=True))
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

    @extend_schema_field(ProjectProgressSerializer(allow_null=True))
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


class FundsArrivalSerializer(StrictInputMixin, serializers.ModelSerializer):
    created_by = serializers.StringRelatedField()

    class Meta:
        model = FundsArrival
        fields = ("id", "arrived_on", "amount", "note", "created_by", "created_at")
        read_only_fields = ("id", "created_by", "created_at")


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


class BoardColumnSerializer(serializers.Serializer):
    """One status column of the board: its count and total investment over every project in
    it, and the first cards."""

    status = serializers.ChoiceField(choices=Project.Status.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()
    total_investment = serializers.DecimalField(max_digits=None, decimal_places=2)
    cards = ProjectSerializer(many=True)


class BoardRatesSerializer(serializers.Serializer):
    """The rates leaders report (percent, ``null`` when nothing is counted) with their parts."""

    commencement_rate = serializers.FloatField(allow_null=True)
    funds_rate = serializers.FloatField(allow_null=True)
    keeping_rate = serializers.FloatField(allow_null=True)
    commenced = serializers.IntegerField()
    reached_signed = serializers.IntegerField()
    funds_in_place = serializers.DecimalField(max_digits=None, decimal_places=2)
    signed_amount = serializers.DecimalField(max_digits=None, decimal_places=2)
    kept = serializers.IntegerField()
    due = serializers.IntegerField()


class BoardRowSerializer(serializers.Serializer):
    """A project on one of the two standing lists, with the days it has spent in its status."""

    id = serializers.IntegerField(source="project.pk")
    name = serializers.CharField(source="project.name")
    enterprise_name = serializers.CharField(source="project.enterprise_name")
    days_in_status = serializers.IntegerField()


class BoardSerializer(serializers.Serializer):
    """The board (``projects.selectors.project_board``) as the API answers it."""

    columns = BoardColumnSerializer(many=True)
    rates = BoardRatesSerializer()
    negotiating_unsigned = BoardRowSerializer(many=True)
    signed_not_commenced = BoardRowSerializer(many=True)
