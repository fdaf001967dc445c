"""The two fields every answer built from kept figures (``crm.snapshots``) carries."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class KeptFiguresSerializer(serializers.Serializer):
    """When the figures were computed and whether a write has come since; the view passes the
    ``Snapshot`` as ``context["snapshot"]`` and its ``value`` as the instance."""

    taken_at = serializers.SerializerMethodField(help_text=_("这些数字的计算时间。"))
    stale = serializers.SerializerMethodField(
        help_text=_("计算后又有数据变更、正在重新计算时为 true（稍后再取即为最新）。")
    )

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_taken_at(self, _figures: Any) -> str:
        return serializers.DateTimeField().to_representation(self.context["snapshot"].taken_at)

    def get_stale(self, _figures: Any) -> bool:
        return self.context["snapshot"].stale
