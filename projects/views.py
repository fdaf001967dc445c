"""Project pages: parse input, call a selector or a service, render. Out of scope is 404."""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.access import scope_q
from crm.attachments import attachment_panel
from crm.comments import comment_box
from crm.exceptions import DomainError
from crm.export import export_response
from crm.htmx import (
    BoardToast,
    CardMove,
    is_fragment_request,
    render_fragment,
    render_partial_or_page,
)
from crm.views import safe_next
from leads.selectors import lead_get
from projects import exports, rules, selectors, services
from projects.forms import (
    CapitalIncreaseForm,
    FundsArrivalForm,
    LeadConversionForm,
    ProgressReportForm,
    ProjectEditForm,
    ProjectForm,
    SupportApplicationForm,
    SupportTransitionForm,
    TaskForm,
    TransitionForm,
)
from projects.models import ProgressReport, Project, Task


def _add_errors(form, error: DomainError) -> None:
    """Show a refused operation next to its fields, or at the top of the form."""
    placed = False
    for name, field_messages in error.field_errors.items():
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


# --- the board (挂图作战) ----------------------------------------------------------------------


def _move_text(current: str, target: str) -> str:
    label = Project.Status(target).label
    if target == Project.Status.STALLED:
        return _("标记停滞…")
    if target == Project.Status.TERMINATED:
        return _("终止…")
    if current == Project.Status.TERMINATED:
        return _("重新启动…")
    if current == Project.Status.STALLED:
        return _("恢复到「%(status)s」") % {"status": label}
    if rules.is_forward(current, target):
        return _("推进到「%(status)s」…") % {"status": label}
    return _("退回「%(status)s」…") % {"status": label}


def _card_moves(project: Project, today: datetime.date) -> list[CardMove]:
    """Every move the status table offers from the card's status, the closed ones with why.

    What the dialog asks for (a date, the signed amount, a reason) counts as given: a move is
    closed only for what is known before the dialog (a stalled project resumes only to the
    status it stalled from; a date may not precede an earlier one). No query.
    """
    moves = []
    # Forward first: the move the card is most often waiting for heads the menu.
    targets = sorted(Project.TRANSITIONS[project.status], key=Project.Status.values.index)
    for target in sorted(targets, key=lambda to: not rules.is_forward(project.status, to)):
        needs = rules.move_requirements(project.status, target)
        problem = rules.move_problem(
            project=project,
            to=target,
            reason="-" if needs.needs_reason else "",
            date=today if needs.needs_date else None,
            signed_amount=Decimal(1) if needs.needs_amount else None,
            today=today,
        )
        moves.append(
            CardMove(
                to=target,
                text=_move_text(project.status, target),
                problem=problem,
                needs_dialog=needs.needs_date or needs.needs_amount or needs.needs_reason,
            )
        )
    return moves


# The most urgent cards of a column; the rest behind its 查看表格 link.
BOARD_CARDS_PER_COLUMN = 20


def _board_context(
    request: HttpRequest, filters: QueryDict, toast: BoardToast | None = None
) -> dict[str, Any]:
    today = timezone.localdate()
    data = selectors.project_board(
        user=request.user, filters=filters, today=today, per_column=BOARD_CARDS_PER_COLUMN
    )
    for column in data.columns:
        for card in column.cards:
            card.moves = _card_moves(card, today)
    return {
        "board": data,
        "filter": data.filterset,
        "today": today,
        "query": filters.urlencode(),
        "toast": toast,
    }


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The rates, one column per status, the standing lists; htmx gets the board fragment."""
    return render_partial_or_page(
        request,
        page="projects/board.html",
        partial="projects/partials/_board.html",
        context=_board_context(request, request.GET),
    )


@login_required
@require_GET
def card_menu(request: HttpRequest) -> HttpResponse:
    """The entries of a board card's 「移动」 menu (``?pk=``), asked for when it first opens; the
    card's version comes from the board as it was shown, so a project changed meanwhile is
    refused."""
    project = selectors.project_get(user=request.user, pk=request.GET.get("pk"))
    context = {
        "moves": _card_moves(project, timezone.localdate()),
        "move_url": reverse("projects:transition", args=[project.pk]),
        "version": request.GET.get("version") or project.version,
        "origin": "board",
        "filters": request.GET.get("filters", ""),
    }
    return render_fragment(request, "crm/partials/_card_menu_items.html", context)


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.project_list(user=request.user, filters=request.GET)
    page = Paginator(filterset.qs, 100).get_page(request.GET.get("page"))
    selectors.attach_targets(page.object_list, timezone.localdate())
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "projects/project_list.html",
        {"filter": filterset, "page": page, "query": params.urlencode()},
    )


@login_required
def project_export(request: HttpRequest) -> HttpResponse:
    """The table's rows (every page, same filters and order) as xlsx (default) or CSV."""
    filterset = selectors.project_list(user=request.user, filters=request.GET)
    today = timezone.localdate()
    return export_response(
        request,
        name=_("项目"),
        columns=exports.project_columns(today),
        rows=exports.project_rows(filterset.qs, today),
        today=today,
        filterset=filterset,
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    today = timezone.localdate()
    selectors.attach_targets([project], today)
    timeline = selectors.project_timeline(project=project)
    # The timeline has loaded the project's files: the panel lists them without asking again.
    files = [entry.item for entry in timeline if entry.kind == "attachment"]
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "today": today,
            "can_change": services.can_change_project(request.user, project),
            "move_options": rules.move_options(project=project),
            "transition_form": TransitionForm(initial={"version": project.version}),
            "progress_form": ProgressReportForm(initial={"reported_on": today}),
            "task_form": TaskForm(project=project),
            "increase_form": CapitalIncreaseForm(initial={"agreed_on": today}),
            "funds_form": FundsArrivalForm(initial={"arrived_on": today}),
            "funds_arrivals": selectors.funds_arrivals(project=project),
            "reports": selectors.progress_reports(project=project),
            "tasks": selectors.project_tasks(project=project),
            "increases": project.capital_increases.select_related("created_by"),
            "timeline": timeline,
            "attachment_panel": attachment_panel(
                user=request.user, record=project, attachments=files
            ),
            "comment_box": comment_box(project),
            "applications": project.support_applications.filter(
                scope_q(request.user, owner="owner", task_force="task_force")
            ),
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, data=form.cleaned_data)
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("项目已登记。"))
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": None},
        status=400 if form.errors else 200,
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    form = ProjectEditForm(
        request.POST or None,
        instance=project,
        user=request.user,
        initial={"version": project.version},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        try:
            services.project_update(
                project=project,
                actor=request.user,
                data=data,
                expected_version=expected_version,
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("项目已保存。"))
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": project},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a project (POST) from the board or the project page; GET is the board's dialog.

    From the board, htmx gets the whole board fragment back: the card in its new column (or
    back in its old one), the rates and standing lists recounted, and the outcome next to the
    card. A refusal inside the dialog answers the dialog again, with the message. The project
    page, and the board without JavaScript, get a redirect and a flash message.
    """
    project = selectors.project_get(user=request.user, pk=pk)
    params = request.POST if request.method == "POST" else request.GET
    on_board = params.get("from") == "board" and is_fragment_request(request)
    filters = QueryDict(params.get("filters", ""))
    if request.method == "GET":
        return _move_dialog(request, project, params.get("to", ""), filters)
    form = TransitionForm(request.POST)
    try:
        if not form.is_valid():
            errors = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
            # Shown as a flash or a toast, away from the fields: the message says what is wrong.
            message = " ".join(dict.fromkeys(m for msgs in errors.values() for m in msgs))
            raise DomainError(message or _("输入有误。"), field_errors=errors)
        data = form.cleaned_data
        project = services.project_transition(
            project=project,
            to=data["to"],
            actor=request.user,
            reason=data["reason"] or "",
            date=data["date"],
            signed_amount=data["signed_amount"],
            expected_version=data["version"],
        )
    except DomainError as error:
        if on_board and params.get("dialog"):
            return _move_dialog(request, project, params.get("to", ""), filters, error=error)
        if on_board:
            toast = BoardToast(error.message, "error", anchor=f"project-{pk}")
            return _board_fragment(request, filters, toast)
        messages.error(request, error.message)
        return _after_move(request, project, filters)
    text = _("项目已推进到「%(s)s」。") % {"s": project.get_status_display()}
    if on_board:
        return _board_fragment(request, filters, BoardToast(text, "success", f"project-{pk}"))
    messages.success(request, text)
    return _after_move(request, project, filters)


def _board_fragment(request: HttpRequest, filters: QueryDict, toast: BoardToast) -> HttpResponse:
    context = _board_context(request, filters, toast)
    return render_fragment(request, "projects/partials/_board.html", context)


def _after_move(request: HttpRequest, project: Project, filters: QueryDict) -> HttpResponse:
    if request.POST.get("from") == "board":
        query = filters.urlencode()
        return redirect(reverse("projects:board") + (f"?{query}" if query else ""))
    return redirect(project)


def _move_dialog(
    request: HttpRequest,
    project: Project,
    to: str,
    filters: QueryDict,
    error: DomainError | None = None,
) -> HttpResponse:
    """The board's dialog for a move that asks for a date, the signed amount or a reason."""
    if not is_fragment_request(request):
        return redirect(project)  # without JavaScript the project page's form asks the same
    if to not in Project.Status.values:
        return HttpResponseBadRequest(_("未知的项目状态。"))
    target = Project.Status(to)
    date_field = Project.STATUS_DATE_FIELDS.get(target)
    context = {
        "project": project,
        "target": target,
        "needs": rules.move_requirements(project.status, target),
        "date_label": Project._meta.get_field(date_field).verbose_name if date_field else "",
        "filters": filters.urlencode(),
        "today": timezone.localdate(),
        "error": error,
        "values": request.POST,
    }
    return render_fragment(
        request,
        "projects/partials/_move_dialog.html",
        context,
        target="#dialog-content" if error else None,
    )


@login_required
def lead_convert(request: HttpRequest, lead_pk: int) -> HttpResponse:
    """Turn a docking lead into a project (the lead page's 「转为项目」)."""
    lead = lead_get(user=request.user, pk=lead_pk)
    form = LeadConversionForm(
        request.POST or None,
        initial={"name": _("%(c)s投资项目") % {"c": lead.company_name}, "category": "industrial"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create_from_lead(
                lead=lead, actor=request.user, data=form.cleaned_data
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("线索已转为项目，两者已关联。"))
            return redirect(project)
    return render(
        request,
        "projects/lead_convert.html",
        {"form": form, "lead": lead},
        status=400 if form.errors else 200,
    )


def _project_form_post(
    request: HttpRequest, pk: int, form_class, action, *, with_project: bool = False
) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    form = form_class(request.POST, **({"project": project} if with_project else {}))
    if form.is_valid():
        try:
            action(project, form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已保存。"))
    else:
        for field_messages in form.errors.values():
            for message in field_messages:
                messages.error(request, message)
    return redirect(project)


@login_required
@require_POST
def capital_increase_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_form_post(
        request,
        pk,
        CapitalIncreaseForm,
        lambda project, data: services.capital_increase_create(
            project=project,
            actor=request.user,
            agreed_on=data["agreed_on"],
            amount=data["amount"],
            signed_amount=data["signed_amount"] or 0,
            note=data["note"],
        ),
    )


@login_required
@require_POST
def funds_arrival_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_form_post(
        request,
        pk,
        FundsArrivalForm,
        lambda project, data: services.funds_arrival_record(
            project=project, actor=request.user, **data
        ),
    )


@login_required
@require_POST
def progress_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_form_post(
        request,
        pk,
        ProgressReportForm,
        lambda project, data: services.progress_report_create(
            project=project, actor=request.user, **data
        ),
    )


@login_required
@require_POST
def progress_solve(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(ProgressReport, pk=pk)
    project = selectors.project_get(user=request.user, pk=report.project_id)
    try:
        services.progress_problem_solve(report=report, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(project)


@login_required
@require_POST
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_form_post(
        request,
        pk,
        TaskForm,
        lambda project, data: services.task_create(project=project, actor=request.user, **data),
        with_project=True,
    )


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.visible_to(request.user).select_related("project"), pk=pk)
    try:
        services.task_set_done(
            task=task, actor=request.user, done=request.POST.get("done", "1") == "1"
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, task.project.get_absolute_url()))


# 对上争取 ----------------------------------------------------------------------------------


@login_required
def support_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.support_list(user=request.user, filters=request.GET)
    applications = filterset.qs
    return render(
        request,
        "projects/support_list.html",
        {
            "filter": filterset,
            "applications": applications,
            "by_source": selectors.support_totals(applications, "fund_source"),
            "by_status": selectors.support_totals(applications, "status"),
        },
    )


@login_required
def support_export(request: HttpRequest) -> HttpResponse:
    """The 对上争取 list (same filters) as xlsx (default) or CSV."""
    filterset = selectors.support_list(user=request.user, filters=request.GET)
    return export_response(
        request,
        name=_("对上争取"),
        columns=exports.support_columns(),
        rows=filterset.qs,
        today=timezone.localdate(),
        filterset=filterset,
    )


@login_required
def support_create(request: HttpRequest) -> HttpResponse:
    visible = selectors.project_queryset(user=request.user).order_by("name")
    form = SupportApplicationForm(
        request.POST or None, user=request.user, projects_queryset=visible
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.support_application_create(
                actor=request.user,
                data=form.cleaned_data,
                projects=list(form.cleaned_data["projects"]),
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            return redirect(application)
    return render(
        request, "projects/support_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def support_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.support_get(user=request.user, pk=pk)
    visible = selectors.project_queryset(user=request.user).order_by("name")
    form = SupportApplicationForm(
        request.POST or None,
        user=request.user,
        instance=application,
        projects_queryset=visible,
        initial={"version": application.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.support_application_update(
                application=application,
                actor=request.user,
                data=form.cleaned_data,
                projects=list(form.cleaned_data["projects"]),
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(application)
    return render(
        request,
        "projects/support_form.html",
        {"form": form, "application": application},
        status=400 if form.errors else 200,
    )


@login_required
def support_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.support_get(user=request.user, pk=pk)
    form = SupportTransitionForm(request.POST or None, initial={"version": application.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.support_transition(
                application=application,
                actor=request.user,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data["amount"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("状态已更新。"))
            return redirect(application)
    return render(
        request,
        "projects/support_detail.html",
        {
            "application": application,
            "form": form,
            "moves": [
                (status, application.Status(status).label)
                for status in sorted(application.TRANSITIONS[application.status])
            ],
            "transitions": application.transitions.select_related("actor"),
            "today": timezone.localdate(),
            "attachment_panel": attachment_panel(user=request.user, record=application),
        },
    )
