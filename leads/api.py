"""REST API for leads: the same services, FilterSet and visibility as the pages.

Endpoints (all under ``/api/v1/``; session or token authentication)::

    GET   leads/                    list, with the lead list page's filters and ?page=N
    POST  leads/                    create (stage collect)
    GET   leads/{id}/               one lead (404 outside your scope)
    PATCH leads/{id}/               change fields; optional "version" (409 when stale)
    POST  leads/{id}/transition/    {"to": "screen", "reason": "…", "version": 3}
    GET   leads/{id}/follow-ups/    the lead's follow-ups, newest first
    POST  leads/{id}/follow-ups/    record a follow-up
    POST  leads/{id}/approval/      提请审批 of screen → dock: {"note": "…"}
    GET   leads/{id}/attachments/   the lead's files; POST one as multipart "file";
    DELETE leads/{id}/attachments/{attachment_id}/?reason=…   remove one (crm.discussion_api)
    GET   leads/{id}/comments/      the comments; POST {"body": "… @王志深 …"}
    GET   approvals/                the requests you decide (?status=pending by default,
                                    task_force_id, q), longest waiting first
    POST  approvals/{id}/decide/    {"approve": true} moves the lead to dock;
                                    {"approve": false, "comment": "…"} sends it back
    GET   targets/                  the 目标企业库 (chain, chain_link, industry, chain_role,
                                    region, converted, owner_id, task_force_id, q)
    POST  targets/                  file a target under a chain link
    GET   targets/{id}/             one target (404 outside your scope)
    PATCH targets/{id}/             change fields; optional "version" (409 when stale)
    POST  targets/{id}/convert/     {"channel": "chain"} → the new lead (201); a converted
                                    target answers 409
    POST  auth/token/               {"username": …, "password": …} → {"token": …}

The contract is the OpenAPI schema at ``/api/v1/schema/`` (Swagger UI at ``/api/v1/docs/``).

Token usage with curl::

    curl -X POST http://127.0.0.1:8000/api/v1/auth/token/ -d username=USER -d password=PASS
    # → {"token":"9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}
    TOKEN=9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b
    curl -H "Authorization: Token $TOKEN" \\
        "http://127.0.0.1:8000/api/v1/leads/?stage=screen&industry=rice&overdue=true&q=米业"
    curl -H "Authorization: Token $TOKEN" -H "Content-Type: application/json" \\
        -X POST http://127.0.0.1:8000/api/v1/leads/ \\
        -d '{"company_name": "上海某米业有限公司", "industry": "rice", "channel": "townsman"}'
    curl -H "Authorization: Token $TOKEN" -H "Content-Type: application/json" \\
        -X POST http://127.0.0.1:8000/api/v1/leads/42/transition/ \\
        -d '{"to": "screen", "reason": "", "version": 3}'

Fields are the model's names in snake_case; reference data goes by code (``"industry": "rice"``,
``"channel": "townsman"``, ``"region": "yangtze-delta"``, ``"chain_link": "rice-milling"``), users
and task forces by id; amounts are decimal strings (万元). The list takes the lead list page's
filters (``stage``, ``q``, ``industry``, ``channel``, ``owner_id``, ``task_force_id``,
``chain_role``, ``rating``, ``overdue``, ``investment_min``/``investment_max``,
``created_after``/``created_before``, ``ordering``).

Errors are JSON ``{"detail": …, "code": …, "errors": {field: [messages]}}``: 400 for bad fields,
a refused move, a duplicate credit code (``errors.credit_code``) or a similar company name
(``code`` ``DuplicateWarning`` with ``matches``: resend with ``"confirm_duplicate_name": true``);
403 for a change the user has no right to make; 404 outside the user's scope; 409 when someone
else changed the lead first (or the ``version`` sent is stale).
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings

from crm.api import validated_data
from crm.discussion_api import AttachmentsApiMixin, CommentsApiMixin
from crm.exceptions import DomainError
from crm.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from crm.paging import EstimatedCountPagination
from leads import selectors, services
from leads.filters import ApprovalFilterSet, LeadFilterSet, TargetEnterpriseFilterSet
from leads.models import ApprovalRequest, Lead, TargetEnterprise
from leads.serializers import (
    ApprovalAskSerializer,
    ApprovalDecisionSerializer,
    ApprovalSerializer,
    FollowUpSerializer,
    LeadSerializer,
    TargetConvertSerializer,
    TargetEnterpriseSerializer,
    TransitionSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("线索列表"),
        description=gettext_lazy(
            "您可见范围内的线索，筛选条件与线索列表页相同，每页 50 条。"
            "不加任何筛选地列出全部线索时，count 为数据库统计的估算值"
            "（count_is_estimate 为 true）。"
        ),
        # 404: a page number past the last page.
        responses={200: LeadSerializer(many=True), **error_responses(400, 404, *READ_ERRORS)},
    ),
    create=extend_schema(
        summary=gettext_lazy("登记线索"),
        description=gettext_lazy(
            "新线索处于“收集”阶段。统一社会信用代码重复时返回 400（errors.credit_code）；"
            "企业名称相近时返回 400（code 为 DuplicateWarning，附 matches），"
            "带上 confirm_duplicate_name=true 重新提交即可保存。"
        ),
        responses={201: LeadSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("线索详情"),
        responses={200: LeadSerializer, **error_responses(404, *READ_ERRORS)},
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改线索"),
        description=gettext_lazy("可带上读取到的 version；线索已被他人修改时返回 409。"),
        responses={200: LeadSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    ),
)
class LeadViewSet(CommentsApiMixin, AttachmentsApiMixin, viewsets.GenericViewSet):
    """Leads in the requesting user's scope; every write goes through ``leads.services``; the
    lead's files and comments through ``crm.discussion_api``."""

    serializer_class = LeadSerializer
    attachable_model = "leads.lead"
    # The list filters with ``selectors.lead_list`` (the lead list page's FilterSet) and never
    # calls ``filter_queryset``: the backend and FilterSet are named for the schema's parameters.
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeadFilterSet
    # DELETE only removes an attachment (``attachments/{attachment_id}/``), never a lead.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @property
    def pagination_class(self) -> type[BasePagination]:
        """The list of every lead answers PostgreSQL's estimate as its count (crm.paging); a
        lead's follow-ups, files and comments are counted as everywhere else."""
        if self.action == "list":
            return EstimatedCountPagination
        return api_settings.DEFAULT_PAGINATION_CLASS

    def get_queryset(self) -> QuerySet[Lead]:
        return selectors.lead_list(user=self.request.user).qs

    def get_object(self) -> Lead:
        return selectors.lead_get(user=self.request.user, pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        filterset = selectors.lead_list(user=request.user, filters=request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise DomainError(_("筛选条件有误。"), field_errors=filterset.errors)
        page = self.paginate_queryset(selectors.lead_records(filterset.qs))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        data = validated_data(self.get_serializer(data=request.data))
        data.pop("version", None)
        confirm = data.pop("confirm_duplicate_name", False)
        lead = services.lead_create(actor=request.user, data=data, confirm_duplicate_name=confirm)
        lead = selectors.lead_get(user=request.user, pk=lead.pk)
        return Response(self.get_serializer(lead).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        lead = self.get_object()
        data = validated_data(self.get_serializer(lead, data=request.data, partial=True))
        expected_version = data.pop("version", None)
        confirm = data.pop("confirm_duplicate_name", False)
        services.lead_update(
            lead=lead,
            actor=request.user,
            data=data,
            expected_version=expected_version,
            confirm_duplicate_name=confirm,
        )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary=gettext_lazy("线索阶段流转"),
        description=gettext_lazy("按阶段规则把线索移到另一阶段；规则不允许时返回 400。"),
        request=TransitionSerializer,
        responses={200: LeadSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"], serializer_class=TransitionSerializer)
    def transition(self, request: Request, pk: str) -> Response:
        """Move the lead to another stage under the pipeline rules."""
        lead = self.get_object()
        data = validated_data(TransitionSerializer(data=request.data))
        services.lead_transition(
            lead=lead,
            to=data["to"],
            actor=request.user,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return Response(
            LeadSerializer(self.get_object(), context=self.get_serializer_context()).data
        )

    @extend_schema(
        methods=["GET"],
        summary=gettext_lazy("线索的跟进记录"),
        description=gettext_lazy("最新的在前，每页 50 条。"),
        filters=False,
        responses={
            200: FollowUpSerializer(many=True),
            **error_responses(404, *READ_ERRORS),
        },
    )
    @extend_schema(
        methods=["POST"],
        summary=gettext_lazy("记录跟进"),
        request=FollowUpSerializer,
        responses={201: FollowUpSerializer, **error_responses(*WRITE_ERRORS, 404)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="follow-ups",
        url_name="follow-ups",
        serializer_class=FollowUpSerializer,
    )
    def follow_ups(self, request: Request, pk: str) -> Response:
        """The lead's follow-ups (GET), or record a new one (POST)."""
        lead = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.follow_up_list(lead=lead))
            return self.get_paginated_response(FollowUpSerializer(page, many=True).data)
        data = validated_data(FollowUpSerializer(data=request.data))
        follow_up = services.follow_up_create(lead=lead, actor=request.user, **data)
        return Response(FollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("提请审批"),
        description=gettext_lazy(
            "为“筛选”阶段、只差专班负责人审批即可进入“对接”的线索提请审批，须填写 note。"
            "条件不满足时返回 400（附原因），已有待审批的提请时返回 409。"
        ),
        request=ApprovalAskSerializer,
        responses={201: ApprovalSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"], serializer_class=ApprovalAskSerializer)
    def approval(self, request: Request, pk: str) -> Response:
        """Ask the task force's leader to approve the move to dock."""
        lead = self.get_object()
        data = validated_data(ApprovalAskSerializer(data=request.data))
        approval = services.approval_request(lead=lead, actor=request.user, note=data["note"])
        return Response(ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("待审批队列"),
        description=gettext_lazy(
            "您可审批的提请（所负责专班的线索；局领导为全部），默认只列待审批的，"
            "等待最久的在前；可按 status、task_force_id、q 筛选，每页 50 条。"
        ),
        responses={
            200: ApprovalSerializer(many=True),
            **error_responses(400, 404, *READ_ERRORS),
        },
    ),
)
class ApprovalViewSet(viewsets.GenericViewSet):
    """The approvals queue of the requesting user (``crm.access.is_leader_of``)."""

    serializer_class = ApprovalSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApprovalFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        return selectors.approval_queue(user=self.request.user).qs

    def list(self, request: Request) -> Response:
        filterset = selectors.approval_queue(user=request.user, filters=request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise DomainError(_("筛选条件有误。"), field_errors=filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("审批"),
        description=gettext_lazy(
            "approve 为 true 时批准，线索随即进入“对接”；为 false 时退回，须填写 comment。"
            "只有线索所在专班的负责人或局领导可以审批（否则 403）；已处理的返回 409。"
        ),
        request=ApprovalDecisionSerializer,
        responses={200: ApprovalSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"], serializer_class=ApprovalDecisionSerializer)
    def decide(self, request: Request, pk: str) -> Response:
        """Approve or send back one request."""
        approval = selectors.approval_get(user=request.user, pk=pk)
        data = validated_data(ApprovalDecisionSerializer(data=request.data))
        services.approval_decide(
            request=approval, actor=request.user, approve=data["approve"], comment=data["comment"]
        )
        return Response(ApprovalSerializer(selectors.approval_get(user=request.user, pk=pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("目标企业库"),
        description=gettext_lazy(
            "您可见范围内的目标企业，筛选条件与目标企业库页面相同，每页 50 条；"
            "converted=false 只列尚未转为线索的。"
        ),
        responses={
            200: TargetEnterpriseSerializer(many=True),
            **error_responses(400, 404, *READ_ERRORS),
        },
    ),
    create=extend_schema(
        summary=gettext_lazy("新增目标企业"),
        description=gettext_lazy(
            "放入一个产业链环节（chain_link 填环节代码）。统一社会信用代码已在线索或"
            "目标企业中登记时返回 400（errors.credit_code）；名称相近时返回 400"
            "（code 为 DuplicateWarning），带上 confirm_duplicate_name=true 重新提交即可保存。"
        ),
        responses={201: TargetEnterpriseSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("目标企业详情"),
        responses={200: TargetEnterpriseSerializer, **error_responses(404, *READ_ERRORS)},
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改目标企业"),
        description=gettext_lazy("可带上读取到的 version；已被他人修改或已转为线索时返回 409。"),
        responses={200: TargetEnterpriseSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    ),
)
class TargetEnterpriseViewSet(viewsets.GenericViewSet):
    """The 目标企业库 in the requesting user's scope; writes go through ``leads.services``."""

    serializer_class = TargetEnterpriseSerializer
    # Filtered with ``selectors.target_list``; the backend and FilterSet name the schema's
    # parameters, as for leads.
    filter_backends = [DjangoFilterBackend]
    filterset_class = TargetEnterpriseFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[TargetEnterprise]:
        return selectors.target_list(user=self.request.user).qs

    def get_object(self) -> TargetEnterprise:
        return selectors.target_get(user=self.request.user, pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        filterset = selectors.target_list(user=request.user, filters=request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise DomainError(_("筛选条件有误。"), field_errors=filterset.errors)
        page = self.paginate_queryset(filterset.qs.select_related("created_by", "updated_by"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        data = validated_data(self.get_serializer(data=request.data))
        data.pop("version", None)
        confirm = data.pop("confirm_duplicate_name", False)
        target = services.target_create(
            actor=request.user, data=data, confirm_duplicate_name=confirm
        )
        target = selectors.target_get(user=request.user, pk=target.pk)
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        target = self.get_object()
        data = validated_data(self.get_serializer(target, data=request.data, partial=True))
        expected_version = data.pop("version", None)
        confirm = data.pop("confirm_duplicate_name", False)
        services.target_update(
            target=target,
            actor=request.user,
            data=data,
            expected_version=expected_version,
            confirm_duplicate_name=confirm,
        )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary=gettext_lazy("目标企业转为线索"),
        description=gettext_lazy(
            "以目标企业的名称、信用代码、产业链环节及其产业、链上作用、地区、负责人和专班"
            "新建一条“搜集”阶段的线索（与登记线索相同的规则），返回新线索。"
            "已转为线索的返回 409；无权分配给该负责人或专班时返回 403。"
        ),
        request=TargetConvertSerializer,
        responses={201: LeadSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"], serializer_class=TargetConvertSerializer)
    def convert(self, request: Request, pk: str) -> Response:
        """Turn the target into a lead and link the two."""
        target = self.get_object()
        data = validated_data(TargetConvertSerializer(data=request.data))
        lead = services.target_convert(
            target=target,
            actor=request.user,
            channel=data["channel"],
            confirm_duplicate_name=data["confirm_duplicate_name"],
            expected_version=data.get("version"),
        )
        lead = selectors.lead_get(user=request.user, pk=lead.pk)
        return Response(
            LeadSerializer(lead, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


def register(router: DefaultRouter) -> None:
    """Register the leads endpoints on the API router."""
    router.register("leads", LeadViewSet, basename="lead")
    router.register("approvals", ApprovalViewSet, basename="approval")
    router.register("targets", TargetEnterpriseViewSet, basename="target")
