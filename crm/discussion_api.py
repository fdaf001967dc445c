"""The attachments and comments of a record in the REST API, for any viewset of a model
registered in ``crm.registry.attachable``::

    GET    {records}/{id}/attachments/                  the record's files, removed ones too
    POST   {records}/{id}/attachments/                  multipart/form-data with "file" → 201
    DELETE {records}/{id}/attachments/{attachment_id}/?reason=…   remove it (the row stays)
    GET    {records}/{id}/comments/                     the comments, newest first
    POST   {records}/{id}/comments/                     {"body": "… @王志深 …"} → 201

A viewset mixes in ``AttachmentsApiMixin`` (and ``CommentsApiMixin``) and names its model in
``attachable_model``; the record is looked up through the registry, so a record outside the
user's scope answers 404 like the record itself. Bad input (no file, a refused type, no reason,
a mention of someone who cannot see the record) answers a JSON 400.
"""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from crm import attachments, comments
from crm.api import StrictInputMixin, validated_data
from crm.models import Attachment, Comment, User
from crm.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from crm.parsers import JSONParser


class AttachmentSerializer(serializers.ModelSerializer):
    """A file of a record: what it is, who uploaded it, and, once removed, who removed it and
    why. ``download_url`` is empty for a removed file."""

    name = serializers.CharField(source="original_name", read_only=True)
    content_type = serializers.CharField(source="mime_type", read_only=True)
    uploaded_by_name = serializers.CharField(source="uploaded_by", read_only=True, allow_null=True)
    removed_by_name = serializers.CharField(source="removed_by", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "name",
            "size",
            "content_type",
            "sha256",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "removed_at",
            "removed_by",
            "removed_by_name",
            "removal_reason",
            "download_url",
        )
        read_only_fields = fields

    def get_download_url(self, attachment: Attachment) -> str | None:
        if attachment.is_removed:
            return None
        request = self.context.get("request")
        url = attachment.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class AttachmentUploadSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # an empty file is refused by crm.attachments, in its words
        error_messages={
            "required": gettext_lazy("请选择要上传的文件。"),
            "invalid": gettext_lazy("上传的不是文件。"),
            "no_name": gettext_lazy("文件没有文件名。"),
        },
    )


class MentionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "name")
        read_only_fields = fields


class CommentSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A comment: its text, author, time and the people it mentions (each of whom could see
    the record)."""

    body = serializers.CharField(max_length=comments.MAX_BODY_LENGTH, trim_whitespace=False)
    author_name = serializers.CharField(source="author", read_only=True, allow_null=True)
    mentions = MentionSerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ("id", "body", "author", "author_name", "created_at", "mentions")
        read_only_fields = ("id", "author", "author_name", "created_at", "mentions")


class AttachmentsApiMixin:
    """``attachments/`` and ``attachments/{attachment_id}/`` on a record's viewset."""

    attachable_model = ""

    def discussed_record(self, request: Request, pk: Any) -> Any:
        return attachments.record_get(user=request.user, model=self.attachable_model, pk=pk)

    @extend_schema(
        methods=["GET"],
        summary=gettext_lazy("附件列表"),
        description=gettext_lazy(
            "记录的全部附件（含已删除的：removed_at、removed_by、removal_reason），最新的在前，"
            "每页 50 条；download_url 是下载地址，每次下载都会核对可见范围。"
        ),
        filters=False,
        request=None,
        responses={
            200: AttachmentSerializer(many=True),
            **error_responses(404, *READ_ERRORS),
        },
    )
    @extend_schema(
        methods=["POST"],
        summary=gettext_lazy("上传附件"),
        description=gettext_lazy(
            "multipart/form-data，字段 file。按文件内容识别类型（不采信扩展名和浏览器声明）："
            "PDF、JPG、PNG、WebP、HEIC、Word、Excel、PowerPoint、OFD；大小上限见 "
            "ATTACHMENT_MAX_MB。类型不允许、内容与扩展名不符、空文件或过大时返回 400。"
        ),
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, **error_responses(*WRITE_ERRORS, 404)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="attachments",
        url_name="attachments",
        serializer_class=AttachmentSerializer,
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request: Request, pk: str) -> Response:
        """The record's files (GET), or attach one (POST)."""
        record = self.discussed_record(request, pk)
        context = {"request": request}
        if request.method == "GET":
            page = self.paginate_queryset(attachments.attachments_of(record))
            data = AttachmentSerializer(page, many=True, context=context).data
            return self.get_paginated_response(data)
        data = validated_data(AttachmentUploadSerializer(data=request.data))
        attachment = attachments.attachment_add(
            record=record, actor=request.user, upload=data["file"]
        )
        return Response(
            AttachmentSerializer(attachment, context=context).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=gettext_lazy("删除附件"),
        description=gettext_lazy(
            "删除附件须给出原因（查询参数 reason）。文件从存储中删除，附件记录（谁、何时、"
            "为何删除）保留，并记入该记录的动态；已删除的再删不变。"
        ),
        parameters=[
            OpenApiParameter(
                "attachment_id",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description=gettext_lazy("附件编号。"),
            ),
            OpenApiParameter(
                "reason",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description=gettext_lazy("删除原因，最多 200 字。"),
            ),
        ],
        request=None,
        responses={200: AttachmentSerializer, **error_responses(*WRITE_ERRORS, 404)},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment",
        serializer_class=AttachmentSerializer,
    )
    def attachment_remove(self, request: Request, pk: str, attachment_id: str) -> Response:
        """Remove one of the record's files, with the reason."""
        record = self.discussed_record(request, pk)
        attachment = attachments.attachment_remove(
            attachment=attachments.attachment_of(record, attachment_id),
            actor=request.user,
            reason=request.query_params.get("reason", ""),
        )
        return Response(AttachmentSerializer(attachment, context={"request": request}).data)


class CommentsApiMixin:
    """``comments/`` on a record's viewset (with ``AttachmentsApiMixin`` for the lookup)."""

    @extend_schema(
        methods=["GET"],
        summary=gettext_lazy("评论列表"),
        description=gettext_lazy("最新的在前，每页 50 条；mentions 是评论提醒的人。"),
        filters=False,
        request=None,
        responses={200: CommentSerializer(many=True), **error_responses(404, *READ_ERRORS)},
    )
    @extend_schema(
        methods=["POST"],
        summary=gettext_lazy("发表评论"),
        description=gettext_lazy(
            "body 中的 @用户名 或 @姓名 提醒能看到这条记录的同事；提醒了看不到这条记录的人、"
            "或同名的人无法区分时返回 400（附原因）。"
        ),
        request=CommentSerializer,
        responses={201: CommentSerializer, **error_responses(*WRITE_ERRORS, 404)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="comments",
        url_name="comments",
        serializer_class=CommentSerializer,
        parser_classes=[JSONParser, FormParser],
    )
    def comments(self, request: Request, pk: str) -> Response:
        """The record's comments (GET), or post one (POST)."""
        record = self.discussed_record(request, pk)
        if request.method == "GET":
            page = self.paginate_queryset(comments.comments_of(record))
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        data = validated_data(CommentSerializer(data=request.data))
        comment = comments.comment_add(record=record, actor=request.user, body=data["body"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
