"""The API's JSON parser: DRF's, with a size and a depth limit and exact numbers.

A module of its own because ``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` is imported while
DRF defines ``APIView``: this module must not import ``rest_framework.views`` (``crm.api`` does).
"""

import json
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("请求内容过大。")
    default_code = "request_too_large"


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_too_deep(text: str, max_depth: int) -> bool:
    """Whether the arrays and objects of ``text`` nest deeper than ``max_depth``.

    Counted on the text with its strings removed, before parsing: Python's parser recurses
    once per level and a body of 100,000 ``[`` exhausts the stack.
    """
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _refuse_constant(name: str) -> None:
    raise ValueError(gettext("%(name)s 不是 JSON 数值。") % {"name": name})


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits; every malformed body is a 400 (too large: 413).

    The body may be no larger than Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (DRF reads the
    stream itself, past Django's own check) and nest no deeper than ``max_depth``. Numbers
    with a fraction or an exponent are parsed as ``Decimal``: ``1e999`` becomes an amount
    that is too large or an id that does not exist, not a float infinity that overflows.
    """

    max_depth = 32

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: dict | None = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise RequestTooLarge()
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            message = gettext("请求内容不是 %(encoding)s 编码。") % {"encoding": encoding}
            raise ParseError(message) from None
        if json_too_deep(text, self.max_depth):
            raise ParseError(
                gettext("JSON 嵌套过深，最多 %(depth)d 层。") % {"depth": self.max_depth}
            )
        try:
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            raise ParseError(gettext("JSON 格式有误：%(error)s") % {"error": error}) from None
