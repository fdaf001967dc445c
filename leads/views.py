"""Pages of the lead pipeline: list, export, detail, create and edit, moves, follow-ups, board.

Views parse input, call a selector or a service and render; an htmx request gets a partial.
"""

import copy
import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exceptions import ConflictError, DomainError, DuplicateWarning
from leads import selectors, services
from leads.forms import FollowUpForm, LeadEditForm, LeadForm, MoveForm
from leads.models import Lead
from leads.pipeline import move_options, needs_reason

PAGE_SIZE = 25
PIPELINE_CARDS_PER_COLUMN = 30


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def add_domain_errors(form: Form, error: DomainError | ValidationError) -> None:
    """Show a service's refusal on the form: per-field messages next to fields, the rest on top."""
    if isinstance(error, ValidationError):
        field_errors = error.message_dict if hasattr(error, "error_dict") else {}
        message = "" if field_errors else " ".join(error.messages)
    else:
        field_errors, message = error.field_errors, error.message
    shown: set[str] = set()
    for field, field_messages in field_errors.items():
        target = field if field in form.fields else None
        for text in field_messages:
            form.add_error(target, text)
            shown.add(str(text))
    if message and message not in shown:
        form.add_error(None, message)


# --- list and export ------------------------------------------------------------------------


@login_required
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    """The filtered, sorted, paginated lead list; filter changes fetch only the results."""
    filterset = selectors.lead_list(user=request.user, filters=request.GET)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "filter_form": filterset.form,
        "page": page,
        "leads": page.object_list,
        "export_query": _without(request.GET, "page", "format"),
        "htmx": is_htmx(request),
    }
    template = "leads/partials/_lead_table.html" if is_htmx(request) else "leads/lead_list.html"
    return render(request, template, context)


def _without(params: QueryDict, *keys: str) -> str:
    copied = params.copy()
    for key in keys:
        copied.pop(key, None)
    return copied.urlencode()


def _naive(moment: datetime.datetime) -> datetime.datetime:
    # Spreadsheets have no time zones: export local (Asia/Shanghai) wall-clock time.
    return timezone.localtime(moment).replace(tzinfo=None)


EXPORT_COLUMNS: list[tuple[str, Any]] = [
    (gettext_lazy("企业名称"), lambda lead, today: lead.company_name),
    (gettext_lazy("统一社会信用代码"), lambda lead, today: lead.credit_code),
    (gettext_lazy("阶段"), lambda lead, today: lead.get_stage_display()),
    (gettext_lazy("评级"), lambda lead, today: lead.rating),
    (gettext_lazy("产业"), lambda lead, today: lead.industry.name),
    (gettext_lazy("产业链环节"), lambda lead, today: str(lead.chain_link or "")),
    (gettext_lazy("链上作用"), lambda lead, today: lead.get_chain_role_display()),
    (gettext_lazy("招商渠道"), lambda lead, today: lead.channel.name),
    (gettext_lazy("来源地区"), lambda lead, today: str(lead.region or "")),
    (gettext_lazy("引荐人/机构"), lambda lead, today: lead.referrer_name),
    (gettext_lazy("联系人"), lambda lead, today: lead.contact_name),
    (gettext_lazy("联系电话"), lambda lead, today: lead.contact_phone),
    (gettext_lazy("计划投资（万元）"), lambda lead, today: lead.planned_investment),
    (gettext_lazy("负责人"), lambda lead, today: str(lead.owner or "")),
    (gettext_lazy("专班"), lambda lead, today: str(lead.task_force or "")),
    (gettext_lazy("下次跟进日期"), lambda lead, today: lead.next_follow_up_on),
    (gettext_lazy("逾期天数"), lambda lead, today: lead.days_overdue(today) or ""),
    (gettext_lazy("登记时间"), lambda lead, today: _naive(lead.created_at)),
    (gettext_lazy("修改时间"), lambda lead, today: _naive(lead.updated_at)),
]


def _export_rows(leads: Iterable[Lead]) -> Iterator[list[Any]]:
    today = timezone.localdate()
    yield [str(title) for title, _value in EXPORT_COLUMNS]
    for lead in leads:
        yield [value(lead, today) for _title, value in EXPORT_COLUMNS]


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def lead_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as xlsx (default) or CSV, scoped and filtered exactly like the page."""
    leads = selectors.lead_list(user=request.user, filters=request.GET).qs.iterator(chunk_size=2000)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())
        rows = (writer.writerow(row) for row in _export_rows(leads))
        response = StreamingHttpResponse(_with_bom(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
        return response

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("线索"))
    for row in _export_rows(leads):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.xlsx"'
    return response


def _with_bom(rows: Iterator[str]) -> Iterator[str]:
    # Excel on Windows reads a CSV as GBK unless it starts with a UTF-8 byte-order mark.
    yield "\ufeff"
    yield from rows


# --- detail, create, edit -------------------------------------------------------------------


def _detail_context(
    request: HttpRequest, lead: Lead, follow_up_form: FollowUpForm | None = None
) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "lead": lead,
        "today": today,
        "days_overdue": lead.days_overdue(today),
        "due_on": lead.follow_up_due_on(),
        "can_change": services.can_change_lead(request.user, lead),
        "move_options": move_options(lead=lead, actor=request.user),
        "timeline": selectors.lead_timeline(lead=lead),
        "follow_up_form": follow_up_form or FollowUpForm(),
    }


@login_required
@require_GET
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """All of a lead's fields, its moves, a follow-up form and its timeline."""
    lead = selectors.lead_get(user=request.user, pk=pk)
    return render(request, "leads/lead_detail.html", _detail_context(request, lead))


@login_required
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    """Log a new lead; a similar company name asks for confirmation first."""
    form = LeadForm(request.POST or None, user=request.user, initial={"owner": request.user})
    duplicate_warning = ""
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(
                actor=request.user,
                data=form.service_data(),
                confirm_duplicate_name=form.cleaned_data["confirm_duplicate_name"],
            )
        except DuplicateWarning as warning:
            duplicate_warning = warning.message
        except (DomainError, ValidationError) as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("线索「%(name)s」已登记。") % {"name": lead})
            return redirect(lead)
    return render(
        request,
        "leads/lead_form.html",
        {"form": form, "duplicate_warning": duplicate_warning},
        status=200 if request.method == "GET" else 400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a lead's fields; a change by someone else since loading the form is a conflict."""
    lead = selectors.lead_get(user=request.user, pk=pk)
    # The form writes the user's input onto its instance; keep ``lead`` as loaded.
    form = LeadEditForm(
        request.POST or None,
        instance=copy.copy(lead),
        user=request.user,
        initial={"version": lead.version},
    )
    duplicate_warning = ""
    conflict = False
    form_version = request.POST.get("version", lead.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(
                lead=lead,
                actor=request.user,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
                confirm_duplicate_name=form.cleaned_data["confirm_duplicate_name"],
            )
        except DuplicateWarning as warning:
            duplicate_warning = warning.message
        except ConflictError as error:
            conflict = True
            form.add_error(None, error.message)
            # Saving again now deliberately writes the user's values over the other change.
            form_version = Lead.objects.values_list("version", flat=True).get(pk=lead.pk)
        except (DomainError, ValidationError) as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("线索「%(name)s」已保存。") % {"name": lead})
            return redirect(lead)
    return render(
        request,
        "leads/lead_form.html",
        {
            "form": form,
            "lead": lead,
            "form_version": form_version,
            "duplicate_warning": duplicate_warning,
            "conflict": conflict,
        },
        status=200 if request.method == "GET" else (409 if conflict else 400),
    )


# --- moves ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lead_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a lead through the pipeline (POST); GET asks for the reason a move needs.

    From the pipeline board an htmx request gets the board back (the card lands in its new
    column, or returns to its place with the refusal shown); from the detail page a success
    reloads the page and a refusal shows its reason. Without JavaScript: redirect + message.
    """
    lead = selectors.lead_get(user=request.user, pk=pk)
    params = request.POST if request.method == "POST" else request.GET
    origin = "pipeline" if params.get("from") == "pipeline" else "detail"
    filters = params.get("filters", "")
    if request.method == "GET":
        return _move_reason_page(request, lead, origin, filters)

    form = MoveForm(request.POST)
    moved = False
    if not form.is_valid():
        messages.error(request, _("请选择要移动到的阶段。"))
    else:
        target = Lead.Stage(form.cleaned_data["to"])
        try:
            services.lead_transition(
                lead=lead,
                to=target,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            moved = True
            messages.success(
                request,
                _("已将「%(name)s」移到「%(stage)s」。") % {"name": lead, "stage": target.label},
            )

    if origin == "pipeline":
        if is_htmx(request):
            return _pipeline_board_response(request, QueryDict(filters))
        return HttpResponseRedirect(f"{reverse('leads:pipeline')}?{filters}")
    if is_htmx(request):
        if moved:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = lead.get_absolute_url()
            return response
        messages_html = render_to_string("crm/partials/_messages.html", {"oob": True}, request)
        response = HttpResponse(messages_html)
        response["HX-Reswap"] = "none"
        return response
    return redirect(lead)


def _move_reason_page(request: HttpRequest, lead: Lead, origin: str, filters: str) -> HttpResponse:
    target = request.GET.get("to", "")
    if target not in Lead.TRANSITIONS.get(lead.stage, ()):
        messages.error(request, _("不能从当前阶段移到该阶段。"))
        return redirect(lead)
    context = {
        "lead": lead,
        "target": Lead.Stage(target),
        "needs_reason": needs_reason(lead.stage, target),
        "origin": origin,
        "filters": filters,
        "version": lead.version,
    }
    if is_htmx(request):
        return render(request, "leads/partials/_move_dialog.html", context)
    return render(request, "leads/lead_transition.html", context)


# --- follow-ups -----------------------------------------------------------------------------


@login_required
@require_POST
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a follow-up; errors come back next to the fields (inline with htmx)."""
    lead = selectors.lead_get(user=request.user, pk=pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_create(lead=lead, actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("跟进记录已保存。"))
            if is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = lead.get_absolute_url()
                return response
            return redirect(lead)
    if is_htmx(request):
        # htmx swaps only 2xx responses, so the form with its errors comes back as 200.
        return render(
            request, "leads/partials/_follow_up_form.html", {"lead": lead, "follow_up_form": form}
        )
    return render(
        request, "leads/lead_detail.html", _detail_context(request, lead, form), status=400
    )


# --- pipeline board -------------------------------------------------------------------------


def _pipeline_context(request: HttpRequest, filters: QueryDict) -> dict[str, Any]:
    columns = selectors.pipeline_columns(
        user=request.user, filters=filters or None, per_column=PIPELINE_CARDS_PER_COLUMN
    )
    board = []
    for column in columns:
        moves = [
            {
                "to": target,
                "label": target.label,
                "needs_reason": needs_reason(column.stage, target),
            }
            for target in Lead.Stage
            if target in Lead.TRANSITIONS[Lead.Stage(column.stage)]
        ]
        board.append({"column": column, "moves": moves})
    return {
        "board": board,
        "filters": filters.urlencode(),
        "per_column": PIPELINE_CARDS_PER_COLUMN,
    }


def _pipeline_board_response(request: HttpRequest, filters: QueryDict) -> HttpResponse:
    context = {**_pipeline_context(request, filters), "with_messages": True}
    return render(request, "leads/partials/_pipeline_board.html", context)


@login_required
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    """One column per stage with counts and cards; moves from the card's menu or by dragging."""
    filters = request.GET.copy()
    context = _pipeline_context(request, filters)
    if is_htmx(request):
        return render(request, "leads/partials/_pipeline_board.html", context)
    context["filter_form"] = selectors.lead_list(user=request.user, filters=filters).form
    return render(request, "leads/pipeline.html", context)
