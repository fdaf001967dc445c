"""REST API of the inbox: the same selectors, FilterSet and writes as the 我的消息 page.

Endpoints (under ``/api/v1/``; session or token authentication)::

    GET   notices/                 my notices, unread first (?unread=true, ?kind=task, ?q=…)
    POST  notices/{id}/read/       mark one read (404 for anyone else's notice)
    POST  notices/read-all/        mark all read → {"marked": n}

Each person sees only their own notices; there is nothing to send in the body of the POSTs.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from crm.exceptions import DomainError, NotFound
from crm.models import Notice
from crm.notifications import notices, selectors
from crm.notifications.filters import NoticeFilterSet
from crm.openapi import READ_ERRORS, WRITE_ERRORS, error_responses


class NoticeSerializer(serializers.ModelSerializer):
    """A notice as the API shows it; ``url`` is the path of what it is about on the site."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.CharField(source="actor.__str__", read_only=True, default=None)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notice
        fields = (
            "id",
            "kind",
            "kind_display",
            "title",
            "body",
            "url",
            "actor",
            "created_at",
            "read_at",
            "is_read",
        )
        read_only_fields = fields


MARKED = inline_serializer("NoticesMarked", {"marked": serializers.IntegerField()})


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("我的消息"),
        description=gettext_lazy("本人的站内消息，未读在前、新的在前，每页 50 条。"),
        responses={200: NoticeSerializer(many=True), **error_responses(400, 404, *READ_ERRORS)},
    ),
)
class NoticeViewSet(viewsets.GenericViewSet):
    """The requesting user's notices; reading them changes only their ``read_at``."""

    serializer_class = NoticeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NoticeFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Notice]:
        if getattr(self, "swagger_fake_view", False):  # the schema asks with no user
            return Notice.objects.none()
        return selectors.notice_list(user=self.request.user).qs

    def list(self, request: Request) -> Response:
        filterset = selectors.notice_list(user=request.user, filters=request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise DomainError(_("筛选条件有误。"), field_errors=filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("标为已读"),
        request=None,
        responses={200: NoticeSerializer, **error_responses(404, *WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        """Mark one of my notices read."""
        notice = selectors.notice_get(user=request.user, pk=_whole_pk(pk))
        notices.notice_mark_read(user=request.user, pk=notice.pk)
        notice.refresh_from_db()
        return Response(self.get_serializer(notice).data)

    @extend_schema(
        summary=gettext_lazy("全部标为已读"),
        request=None,
        responses={200: MARKED, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark every notice of mine read; answers how many were unread."""
        return Response({"marked": notices.notices_mark_all_read(user=request.user)})


def _whole_pk(pk: str) -> int:
    """The notice id of the URL; anything else is a notice that does not exist."""
    if not pk.isdigit():
        raise NotFound(_("没有找到这条消息。"))
    return int(pk)


def register(router: DefaultRouter) -> None:
    """Register the inbox's endpoints on the API router."""
    router.register("notices", NoticeViewSet, basename="notice")
