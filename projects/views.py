"""Project pages: parse input, call a selector or a service, render. Out of scope is 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.exceptions import DomainError
from leads.selectors import lead_get
from projects import rules, selectors, services
from projects.export import projects_workbook
from projects.forms import (
    CapitalIncreaseForm,
    LeadConversionForm,
    ProgressReportForm,
    ProjectForm,
    SupportApplicationForm,
    SupportTransitionForm,
    TaskForm,
    TransitionForm,
)
from projects.models import ProgressReport, Task


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


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or bool(
        request.headers.get("HX-Request")
    )


@login_required
def board(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    data = selectors.project_board(user=request.user, filters=request.GET, today=today)
    return render(
        request,
        "projects/board.html",
        {
            "board": data,
            "filter": data.filterset,
            "today": today,
            "requirements": rules.requirements_table(),
            "query": request.GET.urlencode(),
        },
    )


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
    """The table's rows (every page, same filters and order) as an xlsx workbook."""
    today = timezone.localdate()
    projects = selectors.attach_targets(
        list(selectors.project_list(user=request.user, filters=request.GET).qs), today
    )
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="projects-{today:%Y%m%d}.xlsx"'
    projects_workbook(projects, today).save(response)
    return response


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    today = timezone.localdate()
    selectors.attach_targets([project], today)
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
            "task_form": TaskForm(),
            "increase_form": CapitalIncreaseForm(initial={"agreed_on": today}),
            "reports": selectors.progress_reports(project=project),
            "tasks": selectors.project_tasks(project=project),
            "increases": project.capital_increases.select_related("created_by"),
            "timeline": selectors.project_timeline(project=project),
            "applications": project.support_applications.all(),
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, data=form.cleaned_data)
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("项目已登记。"))
            return redirect(project)
    return render(request, "projects/project_form.html", {"form": form, "project": None})


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(
                project=project,
                actor=request.user,
                data=form.cleaned_data,
                expected_version=int(request.POST.get("version") or project.version),
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("项目已保存。"))
            return redirect(project)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@login_required
@require_POST
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a move from the board (JSON answer with the new card) or the project page."""
    project = selectors.project_get(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    try:
        if not form.is_valid():
            errors = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
            raise DomainError(_("输入有误。"), field_errors=errors)
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
        if _wants_json(request):
            return JsonResponse(
                {"ok": False, "detail": error.message, "errors": error.field_errors},
                status=error.status_code,
            )
        messages.error(request, error.message)
        return redirect(project)
    if _wants_json(request):
        today = timezone.localdate()
        card = selectors.project_get(user=request.user, pk=pk)
        selectors.attach_targets([card], today)
        html = render_to_string(
            "projects/partials/_card.html", {"project": card, "today": today}, request=request
        )
        return JsonResponse({"ok": True, "card": html, "status": card.status})
    messages.success(request, _("项目已推进到「%(s)s」。") % {"s": project.get_status_display()})
    return redirect(project)


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
    return render(request, "projects/lead_convert.html", {"form": form, "lead": lead})


def _project_form_post(request: HttpRequest, pk: int, form_class, action) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    form = form_class(request.POST)
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
    )


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("project"), pk=pk)
    if task.assignee_id != request.user.pk:
        selectors.project_get(user=request.user, pk=task.project_id)
    try:
        services.task_set_done(
            task=task, actor=request.user, done=request.POST.get("done", "1") == "1"
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(request.POST.get("next") or task.project.get_absolute_url())


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
def support_create(request: HttpRequest) -> HttpResponse:
    visible = selectors.project_queryset(user=request.user).order_by("name")
    form = SupportApplicationForm(request.POST or None, projects_queryset=visible)
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
    return render(request, "projects/support_form.html", {"form": form})


@login_required
def support_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.support_get(user=request.user, pk=pk)
    visible = selectors.project_queryset(user=request.user).order_by("name")
    form = SupportApplicationForm(
        request.POST or None,
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
                # Linked projects the user cannot see stay linked.
                projects=[
                    *application.projects.exclude(pk__in=visible.values("pk")),
                    *form.cleaned_data["projects"],
                ],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(application)
    return render(request, "projects/support_form.html", {"form": form, "application": application})


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
        },
    )
