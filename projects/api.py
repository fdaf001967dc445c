"""REST API for projects, the board and 对上争取: the same services, filters and visibility.

Endpoints (under ``/api/v1/``; session or token authentication)::

    GET   projects/                  list, with the board's and table's filters and ?page=N
    POST  projects/                  create (status negotiating)
    GET   projects/{id}/             one project (404 outside your scope)
    PATCH projects/{id}/             change fields; optional "version" (409 when stale)
    POST  projects/{id}/transition/  {"to": "signed", "date": "2026-11-20",
                                      "signed_amount": "52000", "reason": "", "version": 3}
    GET   projects/board/            columns with count, total investment and cards, the rates
                                     and the two standing lists (same filters)
    GET   support-applications/      list with filters (status, fund_source, owner_id …)
    POST  support-applications/      create (status planned)

Errors are JSON ``{"detail": …, "code": …, "errors": {field: [messages]}}``: 400 for bad fields
or a refused move, 403 for a change the user may not make, 404 outside the user's scope, 409
when someone else changed the project first.
"""

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from crm.api import validated_data
from crm.exceptions import DomainError
from projects import selectors, services
from projects.models import Project
from projects.serializers import (
    ProjectSerializer,
    ProjectTransitionSerializer,
    SupportApplicationSerializer,
)


def _amount(value: Decimal) -> str:
    """An aggregated amount as the serializers write amounts: a string with two decimals."""
    return f"{Decimal(value):.2f}"


def _filtered(filterset: Any) -> Any:
    if filterset.is_bound and not filterset.is_valid():
        raise DomainError(_("筛选条件有误。"), field_errors=filterset.errors)
    return filterset.qs


class ProjectViewSet(viewsets.GenericViewSet):
    """Projects in the requesting user's scope; every write goes through ``projects.services``."""

    serializer_class = ProjectSerializer
    filter_backends: list = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.project_list(user=self.request.user).qs

    def get_object(self) -> Project:
        project = selectors.project_get(user=self.request.user, pk=self.kwargs["pk"])
        selectors.attach_targets([project], timezone.localdate())
        return project

    def list(self, request: Request) -> Response:
        projects = _filtered(
            selectors.project_list(user=request.user, filters=request.query_params)
        )
        page = self.paginate_queryset(projects)
        selectors.attach_targets(page, timezone.localdate())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        data = validated_data(self.get_serializer(data=request.data))
        data.pop("version", None)
        project = services.project_create(actor=request.user, data=data)
        self.kwargs["pk"] = project.pk
        return Response(self.get_serializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        data = validated_data(self.get_serializer(project, data=request.data, partial=True))
        expected_version = data.pop("version", None)
        services.project_update(
            project=project, actor=request.user, data=data, expected_version=expected_version
        )
        return Response(self.get_serializer(self.get_object()).data)

    @action(detail=True, methods=["post"], serializer_class=ProjectTransitionSerializer)
    def transition(self, request: Request, pk: str) -> Response:
        """Move the project to another status under the rules."""
        project = self.get_object()
        data = validated_data(ProjectTransitionSerializer(data=request.data))
        services.project_transition(
            project=project,
            to=data["to"],
            actor=request.user,
            reason=data["reason"],
            date=data["date"],
            signed_amount=data["signed_amount"],
            expected_version=data["version"],
        )
        return Response(
            ProjectSerializer(self.get_object(), context=self.get_serializer_context()).data
        )

    @action(detail=False, methods=["get"])
    def board(self, request: Request) -> Response:
        """The board: one column per status, the rates and the two standing lists."""
        board = selectors.project_board(
            user=request.user, filters=request.query_params, today=timezone.localdate()
        )
        _filtered(board.filterset)
        context = self.get_serializer_context()

        def rows(items):
            return [
                {
                    "id": row.project.pk,
                    "name": row.project.name,
                    "enterprise_name": row.project.enterprise_name,
                    "days_in_status": row.days_in_status,
                }
                for row in items
            ]

        rates = board.rates
        return Response(
            {
                "columns": [
                    {
                        "status": column.status,
                        "label": column.label,
                        "count": column.count,
                        "total_investment": _amount(column.total_investment),
                        "cards": ProjectSerializer(column.cards, many=True, context=context).data,
                    }
                    for column in board.columns
                ],
                "rates": {
                    "commencement_rate": rates.commencement_rate,
                    "funds_rate": rates.funds_rate,
                    "keeping_rate": rates.keeping_rate,
                    "commenced": rates.commenced,
                    "reached_signed": rates.reached_signed,
                    "funds_in_place": _amount(rates.funds_in_place),
                    "signed_amount": _amount(rates.signed_amount),
                    "kept": rates.kept,
                    "due": rates.due,
                },
                "negotiating_unsigned": rows(board.negotiating_unsigned),
                "signed_not_commenced": rows(board.signed_not_commenced),
            }
        )


class SupportApplicationViewSet(viewsets.GenericViewSet):
    """对上争取 applications in the user's scope."""

    serializer_class = SupportApplicationSerializer
    filter_backends: list = []
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.support_list(user=self.request.user).qs

    def list(self, request: Request) -> Response:
        applications = _filtered(
            selectors.support_list(user=request.user, filters=request.query_params)
        )
        page = self.paginate_queryset(applications)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        data = validated_data(self.get_serializer(data=request.data))
        projects = data.pop("projects", [])
        visible = set(
            selectors.project_queryset(user=request.user)
            .filter(pk__in=[p.pk for p in projects])
            .values_list("pk", flat=True)
        )
        if any(project.pk not in visible for project in projects):
            raise DomainError.for_field("projects", _("关联项目不存在或不在您的范围内。"))
        application = services.support_application_create(
            actor=request.user, data=data, projects=projects
        )
        application = selectors.support_get(user=request.user, pk=application.pk)
        return Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(selectors.support_get(user=request.user, pk=pk)).data)


def register(router: DefaultRouter) -> None:
    """Register the projects and 对上争取 endpoints on the API router."""
    router.register("projects", ProjectViewSet, basename="project")
    router.register(
        "support-applications", SupportApplicationViewSet, basename="support-application"
    )
