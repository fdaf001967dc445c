"""REST API for projects, the board and 对上争取: the same services, filters and visibility.

Endpoints (under ``/api/v1/``; session or token authentication)::

    GET   projects/                  list, with the board's and table's filters and ?page=N
    POST  projects/                  create (status negotiating)
    GET   projects/{id}/             one project (404 outside your scope)
    PATCH projects/{id}/             change fields; optional "version" (409 when stale)
    GET   projects/{id}/funds/       the project's arrivals of funds (到位资金), newest first
    POST  projects/{id}/funds/       {"arrived_on": "2026-11-20", "amount": "2000", "note": ""}
                                     records an arrival (negative: a correction) and adds it
    POST  projects/{id}/transition/  {"to": "signed", "date": "2026-11-20",
                                      "signed_amount": "52000", "reason": "", "version": 3}
    GET   projects/board/            columns with count, total investment and cards, the rates
                                     and the two standing lists (same filters)
    GET   support-applications/      list with filters (status, fund_source, owner_id …)
    POST  support-applications/      create (status planned)
    GET/POST, DELETE …/{id}/attachments/[{attachment_id}/]   the files of a project or an
                                     application; …/{id}/comments/ a project's comments
                                     (crm.discussion_api)

Errors are JSON ``{"detail": …, "code": …, "errors": {field: [messages]}}``: 400 for bad fields
or a refused move, 403 for a change the user may not make, 404 outside the user's scope, 409
when someone else changed the project first. The contract is the OpenAPI schema at
``/api/v1/schema/`` (Swagger UI at ``/api/v1/docs/``).
"""

from typing import Any

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from crm.api import validated_data
from crm.discussion_api import AttachmentsApiMixin, CommentsApiMixin
from crm.exceptions import DomainError
from crm.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from projects import selectors, services
from projects.filters import ProjectFilterSet, SupportApplicationFilterSet
from projects.models import Project
from projects.serializers import (
    BoardSerializer,
    FundsArrivalSerializer,
    ProjectSerializer,
    ProjectTransitionSerializer,
    SupportApplicationSerializer,
)


def _filtered(filterset: Any) -> Any:
    if filterset.is_bound and not filterset.is_valid():
        raise DomainError(_("筛选条件有误。"), field_errors=filterset.errors)
    return filterset.qs


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("项目列表"),
        description=gettext_lazy(
            "您可见范围内的项目，筛选条件与项目看板、项目表相同，每页 50 条。"
        ),
        # 404: a page number past the last page.
        responses={200: ProjectSerializer(many=True), **error_responses(400, 404, *READ_ERRORS)},
    ),
    create=extend_schema(
        summary=gettext_lazy("新建项目"),
        description=gettext_lazy("新项目处于“在谈”状态。"),
        responses={201: ProjectSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("项目详情"),
        responses={200: ProjectSerializer, **error_responses(404, *READ_ERRORS)},
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改项目"),
        description=gettext_lazy("可带上读取到的 version；项目已被他人修改时返回 409。"),
        responses={200: ProjectSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    ),
)
class ProjectViewSet(CommentsApiMixin, AttachmentsApiMixin, viewsets.GenericViewSet):
    """Projects in the requesting user's scope; every write goes through ``projects.services``;
    the project's files and comments through ``crm.discussion_api``."""

    serializer_class = ProjectSerializer
    attachable_model = "projects.project"
    # The list and the board filter through ``projects.selectors`` and never call
    # ``filter_queryset``: the backend and FilterSet are named for the schema's parameters.
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilterSet
    # DELETE only removes an attachment (``attachments/{attachment_id}/``), never a project.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

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
        # The serializer names each project's chain link by code: joined, not one query a row.
        page = self.paginate_queryset(projects.select_related("chain_link"))
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

    @extend_schema(
        summary=gettext_lazy("项目状态流转"),
        description=gettext_lazy(
            "按状态规则把项目移到另一状态（签约需 date 与 signed_amount）；规则不允许时返回 400。"
        ),
        request=ProjectTransitionSerializer,
        responses={200: ProjectSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    )
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

    @extend_schema(
        methods=["GET"],
        summary=gettext_lazy("资金到位记录"),
        responses={200: FundsArrivalSerializer(many=True), **error_responses(404, *READ_ERRORS)},
    )
    @extend_schema(
        methods=["POST"],
        summary=gettext_lazy("登记资金到位"),
        description=gettext_lazy(
            "登记某日到位的资金并计入项目的到位资金；核减填负数，到位资金不能因此为负。"
        ),
        request=FundsArrivalSerializer,
        responses={201: FundsArrivalSerializer, **error_responses(*WRITE_ERRORS, 404)},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=FundsArrivalSerializer)
    def funds(self, request: Request, pk: str) -> Response:
        """The project's arrivals of funds, or record one."""
        project = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(project.funds_arrivals.select_related("created_by"))
            return self.get_paginated_response(FundsArrivalSerializer(page, many=True).data)
        data = validated_data(FundsArrivalSerializer(data=request.data))
        arrival = services.funds_arrival_record(project=project, actor=request.user, **data)
        return Response(FundsArrivalSerializer(arrival).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("项目看板"),
        description=gettext_lazy(
            "每个状态一列（数量、总投资与前若干张卡片），各项比率，以及在谈未签约、"
            "签约未开工两个清单；筛选条件与项目列表相同。"
        ),
        filters=True,
        responses={200: BoardSerializer, **error_responses(400, *READ_ERRORS)},
    )
    @action(detail=False, methods=["get"])
    def board(self, request: Request) -> Response:
        """The board: one column per status, the rates and the two standing lists."""
        board = selectors.project_board(
            user=request.user, filters=request.query_params, today=timezone.localdate()
        )
        # A card names its chain link by code: one query for every card, not one per card.
        prefetch_related_objects(
            [card for column in board.columns for card in column.cards], "chain_link"
        )
        _filtered(board.filterset)
        return Response(BoardSerializer(board, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("对上争取列表"),
        responses={
            200: SupportApplicationSerializer(many=True),
            **error_responses(400, 404, *READ_ERRORS),
        },
    ),
    create=extend_schema(
        summary=gettext_lazy("登记对上争取"),
        description=gettext_lazy("关联项目须在您的可见范围内。"),
        responses={201: SupportApplicationSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("对上争取详情"),
        responses={200: SupportApplicationSerializer, **error_responses(404, *READ_ERRORS)},
    ),
)
class SupportApplicationViewSet(AttachmentsApiMixin, viewsets.GenericViewSet):
    """对上争取 applications in the user's scope, with their files (``crm.discussion_api``)."""

    serializer_class = SupportApplicationSerializer
    attachable_model = "projects.supportapplication"
    # Filtered through ``projects.selectors``; named for the schema's parameters only.
    filter_backends = [DjangoFilterBackend]
    filterset_class = SupportApplicationFilterSet
    # DELETE only removes an attachment (``attachments/{attachment_id}/``).
    http_method_names = ["get", "post", "delete", "head", "options"]

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
