"""Pages of the lead pipeline: list, export, detail, create and edit, moves, follow-ups, board.

Views parse input, call a selector or a service and render; an htmx request gets a partial.
"""

import copy
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
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import paging
from crm.access import approves_for_any
from crm.attachments import attachment_panel
from crm.comments import comment_box
from crm.exceptions import ConflictError, DomainError, DuplicateWarning
from crm.export import export_response
from crm.htmx import (
    BoardToast,
    CardMove,
    is_fragment_request,
    render_fragment,
    render_partial_or_page,
)
from crm.models import ReminderSchedule
from crm.registry import detail_panels
from leads import selectors, services
from leads.exports import lead_columns
from leads.forms import (
    ApprovalDecisionForm,
    ApprovalRequestForm,
    FollowUpForm,
    LeadEditForm,
    LeadForm,
    MoveForm,
)
from leads.models import ApprovalRequest, Lead
from leads.pipeline import MoveOption, approval_problem, move_options, needs_reason

PAGE_SIZE = 25
# Overdue cards pinned first; the rest of a column is behind its 查看全部 link (≤ 80 KB a page).
PIPELINE_CARDS_PER_COLUMN = 15


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
    # A search of one-character words reads every row: it lists the first matches only. The
    # unfiltered list of every lead shows PostgreSQL's estimate (crm.paging).
    number = request.GET.get("page")
    paginator = paging.list_paginator(
        selectors.lead_rows(filterset.qs), PAGE_SIZE, scans=filterset.search_scans, page=number
    )
    page = paginator.get_page(number)
    context = {
        "filterset": filterset,
        "filter_form": filterset.form,
        "page": page,
        "leads": page.object_list,
        # The rows' labels by value, made once (get_FOO_display translates every choice per call).
        "labels": {
            name: {value: str(label) for value, label in choices}
            for name, choices in (
                ("stage", Lead.Stage.choices),
                ("rating", Lead.Rating.choices),
                ("chain_role", Lead.ChainRole.choices),
            )
        },
        "export_query": _without(request.GET, "page", "format"),
        "htmx": is_fragment_request(request),
    }
    return render_partial_or_page(
        request,
        page="leads/lead_list.html",
        partial="leads/partials/_lead_table.html",
        context=context,
    )


def _without(params: QueryDict, *keys: str) -> str:
    copied = params.copy()
    for key in keys:
        copied.pop(key, None)
    return copied.urlencode()


@login_required
@require_GET
def lead_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as xlsx (default) or CSV, scoped and filtered exactly like the page."""
    filterset = selectors.lead_list(user=request.user, filters=request.GET)
    today = timezone.localdate()
    return export_response(
        request,
        name=_("线索"),
        columns=lead_columns(today),
        rows=filterset.qs,
        today=today,
        filterset=filterset,
    )


# --- detail, create, edit -------------------------------------------------------------------


def _detail_context(
    request: HttpRequest, lead: Lead, follow_up_form: FollowUpForm | None = None
) -> dict[str, Any]:
    today = timezone.localdate()
    options = move_options(lead=lead, actor=request.user)
    timeline = selectors.lead_timeline(lead=lead)
    # The timeline has loaded the lead's requests: the pending one is among them.
    pending = next(
        (e.item for e in timeline if e.kind == "approval_request" and e.item.is_pending), None
    )
    # ... and the lead's files: the panel lists them without asking again.
    files = [entry.item for entry in timeline if entry.kind == "attachment"]
    return {
        "lead": lead,
        "today": today,
        "days_overdue": lead.days_overdue(today),
        "due_on": lead.follow_up_due_on(),
        "can_change": services.can_change_lead(request.user, lead),
        "move_options": options,
        "timeline": timeline,
        "approval_pending": pending,
        "approval_pending_text": approval_waiting_text(pending) if pending else "",
        "follow_up_form": follow_up_form or FollowUpForm(),
        "attachment_panel": attachment_panel(user=request.user, record=lead, attachments=files),
        "comment_box": comment_box(lead),
        "origin_target": selectors.origin_target(user=request.user, lead=lead),
        # Panels other apps add (the linked project), without this app importing them.
        "panels": detail_panels.for_object(request, lead),
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

    From the pipeline board htmx gets the board fragment back: the card in its new column (or
    back in its old one) with the outcome next to it; a refusal inside the reason dialog
    answers the dialog again. From the detail page a success reloads the page and a refusal
    shows its reason. Without JavaScript: redirect + message.
    """
    lead = selectors.lead_get(user=request.user, pk=pk)
    params = request.POST if request.method == "POST" else request.GET
    origin = "pipeline" if params.get("from") == "pipeline" else "detail"
    filters = params.get("filters", "")
    if request.method == "GET":
        return _move_reason_page(request, lead, origin, filters)

    form = MoveForm(request.POST)
    error: DomainError | None = None
    if not form.is_valid():
        # A malformed version is on the form's own errors; any other error is the stage.
        error = DomainError(next(iter(form.non_field_errors()), _("请选择要移动到的阶段。")))
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
        except DomainError as refusal:
            error = refusal
        else:
            text = _("已将「%(name)s」移到「%(stage)s」。") % {"name": lead, "stage": target.label}
    if error:
        text = error.message

    if origin == "pipeline" and is_fragment_request(request):
        if error and params.get("dialog"):
            return _move_reason_page(request, lead, origin, filters, error=error)
        toast = BoardToast(text, "error" if error else "success", anchor=f"lead-{lead.pk}")
        return _pipeline_board_response(request, QueryDict(filters), toast)
    messages.add_message(request, messages.ERROR if error else messages.SUCCESS, text)
    if origin == "pipeline":
        return HttpResponseRedirect(f"{reverse('leads:pipeline')}?{filters}")
    if is_fragment_request(request):
        if not error:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = lead.get_absolute_url()
            return response
        messages_html = render_to_string("crm/partials/_messages.html", {"oob": True}, request)
        response = HttpResponse(messages_html)
        response["HX-Reswap"] = "none"
        return response
    return redirect(lead)


def _move_reason_page(
    request: HttpRequest,
    lead: Lead,
    origin: str,
    filters: str,
    error: DomainError | None = None,
) -> HttpResponse:
    target = (request.POST if error else request.GET).get("to", "")
    if target not in Lead.TRANSITIONS.get(lead.stage, ()):
        messages.error(request, _("不能从当前阶段移到该阶段。"))
        return redirect(lead)
    if target == Lead.Stage.DOCK and approval_problem(lead=lead, actor=request.user) is None:
        # Only the leader's approval is missing: the move's dialog is the request for it.
        return _approval_dialog(request, lead, origin, filters, ApprovalRequestForm())
    context = {
        "lead": lead,
        "target": Lead.Stage(target),
        "needs_reason": needs_reason(lead.stage, target),
        "origin": origin,
        "filters": filters,
        "version": lead.version,
        "error": error,
        "reason": request.POST.get("reason", ""),
    }
    if error:
        return render_fragment(
            request, "leads/partials/_move_dialog.html", context, target="#dialog-content"
        )
    return render_partial_or_page(
        request,
        page="leads/lead_transition.html",
        partial="leads/partials/_move_dialog.html",
        context=context,
    )


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
            if is_fragment_request(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = lead.get_absolute_url()
                return response
            return redirect(lead)
    if is_fragment_request(request):
        # htmx swaps only 2xx responses, so the form with its errors comes back as 200.
        return render(
            request, "leads/partials/_follow_up_form.html", {"lead": lead, "follow_up_form": form}
        )
    return render(
        request, "leads/lead_detail.html", _detail_context(request, lead, form), status=400
    )


# --- pipeline board -------------------------------------------------------------------------


def _lead_move_text(current: str, option: MoveOption) -> str:
    if option.to == Lead.Stage.DROPPED:
        return _("搁置…")
    if option.needs_reason:
        return _("退回「%(stage)s」…") % {"stage": option.label}
    if current == Lead.Stage.DROPPED:
        return _("重新启用")
    return _("推进到「%(stage)s」") % {"stage": option.label}


def _card_move(lead: Lead, option: MoveOption, pending: ApprovalRequest | None) -> CardMove:
    """A card's menu entry; a move waiting only for approval is asked for (提请审批…) or shows
    that it has been."""
    if option.asks_approval:
        if pending is not None:
            return CardMove(
                to=option.to,
                text=_lead_move_text(lead.stage, option),
                problem=approval_waiting_text(pending),
            )
        return CardMove(to=option.to, text=_("提请审批…"), needs_dialog=True)
    return CardMove(
        to=option.to,
        text=_lead_move_text(lead.stage, option),
        problem=option.problem,
        needs_dialog=option.needs_reason,
    )


def _pipeline_context(
    request: HttpRequest, filters: QueryDict, toast: BoardToast | None = None
) -> dict[str, Any]:
    """The columns, each card with its menu (``move_options``: no query per card)."""
    columns = selectors.pipeline_columns(
        user=request.user, filters=filters or None, per_column=PIPELINE_CARDS_PER_COLUMN
    )
    for column in columns:
        for lead in column.leads:
            lead.options = move_options(lead=lead, actor=request.user)
    # A card whose move to dock waits for approval says so: one query for the whole board,
    # and none when no card can ask (a leader's board).
    asking = [
        lead.pk
        for column in columns
        for lead in column.leads
        if any(option.asks_approval for option in lead.options)
    ]
    pending = selectors.approvals_pending_of(lead_ids=asking) if asking else {}
    for column in columns:
        for lead in column.leads:
            lead.moves = [_card_move(lead, option, pending.get(lead.pk)) for option in lead.options]
    return {
        "columns": columns,
        "filters": filters.urlencode(),
        "per_column": PIPELINE_CARDS_PER_COLUMN,
        "toast": toast,
    }


def _pipeline_board_response(
    request: HttpRequest, filters: QueryDict, toast: BoardToast
) -> HttpResponse:
    context = _pipeline_context(request, filters, toast)
    return render_fragment(request, "leads/partials/_pipeline_board.html", context)


@login_required
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    """One column per stage with counts and cards; moves from the card's menu or by dragging."""
    filters = request.GET.copy()
    context = _pipeline_context(request, filters)
    if not is_fragment_request(request):
        context["filter_form"] = selectors.lead_list(user=request.user, filters=filters).form
    return render_partial_or_page(
        request,
        page="leads/pipeline.html",
        partial="leads/partials/_pipeline_board.html",
        context=context,
    )


@login_required
@require_GET
def card_menu(request: HttpRequest) -> HttpResponse:
    """The entries of a pipeline card's 「移动」 menu (``?pk=``), asked for when it first opens;
    the card's version comes from the board as it was shown, so a lead changed meanwhile is
    refused."""
    lead = selectors.lead_get(user=request.user, pk=request.GET.get("pk"))
    options = move_options(lead=lead, actor=request.user)
    asking = any(option.asks_approval for option in options)
    pending = selectors.approvals_pending_of(lead_ids=[lead.pk]).get(lead.pk) if asking else None
    context = {
        "moves": [_card_move(lead, option, pending) for option in options],
        "move_url": reverse("leads:transition", args=[lead.pk]),
        "version": request.GET.get("version") or lead.version,
        "origin": "pipeline",
        "filters": request.GET.get("filters", ""),
    }
    return render_fragment(request, "crm/partials/_card_menu_items.html", context)


# --- approvals (筛选 → 对接) ------------------------------------------------------------------


def approval_waiting_text(approval: ApprovalRequest) -> str:
    """「已提请审批，等待 X 审批」: the state of a pending request wherever the move is shown."""
    task_force = approval.lead.task_force
    leader = task_force.leader if task_force and task_force.leader_id else None
    return _("已提请审批，等待%(leader)s审批") % {"leader": leader or _("专班负责人")}


def _approval_dialog(
    request: HttpRequest,
    lead: Lead,
    origin: str,
    filters: str,
    form: ApprovalRequestForm,
    *,
    status: int = 200,
) -> HttpResponse:
    """The 提请审批 dialog (a page of its own without JavaScript); a refusal answers it again."""
    pending = selectors.approvals_pending_of(lead_ids=[lead.pk]).get(lead.pk)
    context = {
        "lead": lead,
        "form": form,
        "origin": origin,
        "filters": filters,
        "pending": pending,
        "pending_text": approval_waiting_text(pending) if pending else "",
    }
    if request.method == "POST" and is_fragment_request(request):
        # htmx swaps only 2xx answers: the refusal comes back as 200, into the dialog.
        return render_fragment(
            request, "leads/partials/_approval_dialog.html", context, target="#dialog-content"
        )
    return render_partial_or_page(
        request,
        page="leads/approval_request.html",
        partial="leads/partials/_approval_dialog.html",
        context=context,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def approval_request(request: HttpRequest, pk: int) -> HttpResponse:
    """提请审批 of the move 筛选 → 对接 (POST, with a note); GET shows the dialog.

    From the pipeline htmx gets the board back with the outcome next to the card; from the
    lead's page a success reloads it. A refusal answers the dialog with its reason.
    """
    lead = selectors.lead_get(user=request.user, pk=pk)
    params = request.POST if request.method == "POST" else request.GET
    origin = "pipeline" if params.get("from") == "pipeline" else "detail"
    filters = params.get("filters", "")
    form = ApprovalRequestForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return _approval_dialog(
            request, lead, origin, filters, form, status=200 if request.method == "GET" else 400
        )
    try:
        approval = services.approval_request(
            lead=lead, actor=request.user, note=form.cleaned_data["note"]
        )
    except DomainError as error:
        add_domain_errors(form, error)
        return _approval_dialog(request, lead, origin, filters, form, status=400)
    approval.lead = lead
    text = _("已为「%(name)s」提请审批。%(state)s。") % {
        "name": lead,
        "state": approval_waiting_text(approval),
    }
    if origin == "pipeline" and is_fragment_request(request):
        toast = BoardToast(text, "success", anchor=f"lead-{lead.pk}")
        return _pipeline_board_response(request, QueryDict(filters), toast)
    messages.success(request, text)
    if origin == "pipeline":
        return HttpResponseRedirect(f"{reverse('leads:pipeline')}?{filters}")
    if is_fragment_request(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = lead.get_absolute_url()
        return response
    return redirect(lead)


APPROVALS_PAGE_SIZE = 20


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    """The 待审批 queue of the task forces the user leads (all of them for bureau leaders),
    longest waiting first, and the requests the user has made."""
    filterset = selectors.approval_queue(user=request.user, filters=request.GET)
    page = Paginator(filterset.qs, APPROVALS_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for approval in page.object_list:
        approval.waited = approval.days_waiting(today)
    # Pages keep every filter (a task force opened from the team view, 等待超过 N 天 from the
    # cockpit); the status tabs keep the task force and the search, not the waiting time.
    kept = request.GET.copy()
    kept.pop("page", None)
    tabs = kept.copy()
    for name in ("status", "waited_over"):
        tabs.pop(name, None)
    task_forces = filterset.form.cleaned_data.get("task_force_id") if filterset.is_valid() else None
    return render(
        request,
        "leads/approvals.html",
        {
            "page": page,
            "status": request.GET.get("status") or ApprovalRequest.Status.PENDING,
            "statuses": ApprovalRequest.Status.choices,
            "sla_days": ReminderSchedule.current().approval_sla_days,
            "can_decide": approves_for_any(request.user),
            "asked": selectors.approvals_asked_by(user=request.user),
            "page_query": kept.urlencode(),
            "tab_query": tabs.urlencode(),
            "task_force_names": "、".join(str(tf) for tf in task_forces or ()),
        },
    )


@login_required
@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or send back one request; htmx gets the queue's row back, decided or with the
    refusal next to the comment."""
    approval = selectors.approval_get(user=request.user, pk=pk)
    form = ApprovalDecisionForm(request.POST)
    error: DomainError | None = None
    if not form.is_valid():
        error = DomainError(_("请选择批准或退回。"))
    else:
        try:
            approval = services.approval_decide(
                request=approval,
                actor=request.user,
                approve=form.cleaned_data["approve"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as refusal:
            error = refusal
        else:
            approval = selectors.approval_get(user=request.user, pk=pk)
    if is_fragment_request(request):
        approval.waited = approval.days_waiting(timezone.localdate())
        context = {
            "approval": approval,
            "sla_days": ReminderSchedule.current().approval_sla_days,
            "error": error,
            "comment": request.POST.get("comment", ""),
            "decided": error is None,
        }
        return render_fragment(request, "leads/partials/_approval_item.html", context)
    if error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("「%(name)s」：%(status)s。")
            % {"name": approval.lead, "status": approval.get_status_display()},
        )
    return redirect("leads:approvals")
