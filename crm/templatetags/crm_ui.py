"""Template helpers shared by every page: money in 万元, overdue days, sorting, filters, fields."""

from typing import Any

from django import template
from django.conf import settings
from django.forms import BoundField, Form
from django.http import HttpRequest
from django.utils import timezone

from crm.filters import filter_options
from crm.templatetags.amounts import wan_exact

register = template.Library()


# An amount in 万元 exactly, as the working lists show it: 「12,500.5 万元」 (a leader's page
# rounds to 亿元 from 1 亿 up: ``amounts.wan_yuan``).
register.filter("wan", wan_exact)


@register.filter
def days_overdue(lead: Any) -> int:
    """How many days the lead's follow-up is overdue today (0 when it is not)."""
    return lead.days_overdue(timezone.localdate())


@register.filter
def choice_label(value: Any, labels: dict[str, str]) -> Any:
    """The label of ``value`` in ``labels`` (built once for the page): a list's cells without a
    ``get_FOO_display`` each, which translates every choice of the field again."""
    return labels.get(value, value)


@register.filter
def follow_up_due(lead: Any) -> Any:
    """The day the lead's next follow-up falls due (planned date or the stage's limit)."""
    return lead.follow_up_due_on()


def _ordering(request: HttpRequest) -> str:
    return request.GET.get("ordering", "")


@register.inclusion_tag("crm/partials/_sort_header.html", takes_context=True)
def sort_header(context: template.Context, field: str, label: str) -> dict:
    """A column header linking to the list sorted by ``field``, toggling asc → desc."""
    request: HttpRequest = context["request"]
    current = _ordering(request)
    params = request.GET.copy()
    params.pop("page", None)
    if current == field:
        params["ordering"] = f"-{field}"
        state = "asc"
    elif current == f"-{field}":
        params["ordering"] = field
        state = "desc"
    else:
        params["ordering"] = field
        state = ""
    return {"url": f"?{params.urlencode()}", "label": label, "state": state}


@register.inclusion_tag("crm/partials/_filter_select.html")
def filter_select(form: Form, name: str, empty_label: str = "") -> dict:
    """One single-choice ``<select>`` for a filter field (the FilterSet accepts one or many)."""
    bound = form[name]
    raw = form.data.getlist(name) if hasattr(form.data, "getlist") else form.data.get(name)
    selected = {str(value) for value in (raw or []) if value != ""}
    if isinstance(raw, str):
        selected = {raw}
    return {
        "name": name,
        "id": f"filter-{name}",
        "label": bound.label,
        "empty_label": empty_label or bound.label,
        "options": filter_options(bound.field, selected),
        "active": bool(selected),
    }


@register.inclusion_tag("crm/partials/_field.html")
def form_field(field: BoundField, wide: bool = False) -> dict:
    """A labelled form field with its help text and its errors right next to it."""
    widget_type = field.field.widget.__class__.__name__.lower()
    return {"field": field, "wide": wide, "widget_type": widget_type}


@register.simple_tag(takes_context=True)
def nav_active(context: template.Context, *names: str) -> str:
    """``is-active`` when the current URL name (``namespace:name``) is one of ``names``."""
    match = getattr(context.get("request"), "resolver_match", None)
    return "is-active" if match and match.view_name in names else ""


@register.simple_tag
def product_name() -> str:
    """The product's name (``settings.SITE_NAME``).

    Pages use this rather than the ``site_name`` context variable, which Django's auth views
    overwrite with the host name.
    """
    return str(settings.SITE_NAME)
