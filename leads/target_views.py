"""Pages of the 目标企业库 under /leads/targets/: list, export, detail, create, edit, convert and
delete.

Views parse input, call ``leads.selectors`` or ``leads.services`` and render; an htmx request
gets the list's results or the dialog alone.
"""

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.access import assignment_choices
from crm.exceptions import ConflictError, DomainError, DuplicateWarning
from crm.export import export_response
from crm.htmx import is_fragment_request, render_fragment, render_partial_or_page
from crm.models import ChainLink
from leads import selectors, services
from leads.exports import target_columns
from leads.forms import TargetConvertForm, TargetEnterpriseEditForm, TargetEnterpriseForm
from leads.models import TargetEnterprise
from leads.views import add_domain_errors

PAGE_SIZE = 25


def _hx_redirect(url: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


@login_required
@require_GET
def target_list(request: HttpRequest) -> HttpResponse:
    """The filtered, paginated 目标企业库; filter changes fetch only the results."""
    filterset = selectors.target_list(user=request.user, filters=request.GET)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    context = {
        "filterset": filterset,
        "filter_form": filterset.form,
        "page": page,
        "targets": page.object_list,
        "export_query": params.urlencode(),
        "htmx": is_fragment_request(request),
    }
    return render_partial_or_page(
        request,
        page="leads/target_list.html",
        partial="leads/partials/_target_table.html",
        context=context,
    )


@login_required
@require_GET
def target_export(request: HttpRequest) -> HttpResponse:
    """The filtered library as xlsx (default) or CSV, scoped and filtered like the page."""
    filterset = selectors.target_list(user=request.user, filters=request.GET)
    return export_response(
        request,
        name=_("目标企业"),
        columns=target_columns(),
        rows=filterset.qs,
        today=timezone.localdate(),
        filterset=filterset,
    )


@login_required
@require_GET
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A target's fields, its lead once converted, its history and the 转为线索 button."""
    target = selectors.target_get(user=request.user, pk=pk)
    return render(
        request,
        "leads/target_detail.html",
        {
            "target": target,
            "can_change": services.can_change_target(request.user, target),
            "convert_problem": services.target_convert_problem(target=target, actor=request.user),
            "history": selectors.target_history(target=target),
        },
    )


def _initial(request: HttpRequest) -> dict[str, Any]:
    """The new target's owner (the user) and, when a 「新增目标企业」 button of the 招商图谱
    names a link (``?chain_link=<code>``), that link and the user's task force working its
    industry."""
    initial: dict[str, Any] = {"owner": request.user}
    code = request.GET.get("chain_link", "")
    link = ChainLink.objects.select_related("chain").filter(code=code).first() if code else None
    if link is not None:
        task_forces, _owners = assignment_choices(request.user)
        initial["chain_link"] = link
        initial["task_force"] = task_forces.filter(industry=link.chain.industry_id).first()
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def target_create(request: HttpRequest) -> HttpResponse:
    """File a new target; a company name like a lead's or another target's asks first."""
    form = TargetEnterpriseForm(
        request.POST or None,
        user=request.user,
        initial=_initial(request),
    )
    duplicate_warning = ""
    if request.method == "POST" and form.is_valid():
        try:
            target = services.target_create(
                actor=request.user,
                data=form.service_data(),
                confirm_duplicate_name=form.cleaned_data["confirm_duplicate_name"],
            )
        except DuplicateWarning as warning:
            duplicate_warning = warning.message
        except (DomainError, ValidationError) as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("目标企业「%(name)s」已登记。") % {"name": target})
            return redirect(target)
    return render(
        request,
        "leads/target_form.html",
        {"form": form, "duplicate_warning": duplicate_warning},
        status=200 if request.method == "GET" else 400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a target's fields; a change by someone else since loading the form is a conflict."""
    target = selectors.target_get(user=request.user, pk=pk)
    if target.is_converted:
        messages.info(request, _("这家目标企业已转为线索，不再修改；请在线索中修改。"))
        return redirect(target)
    form = TargetEnterpriseEditForm(
        request.POST or None,
        instance=copy.copy(target),
        user=request.user,
        initial={"version": target.version},
    )
    duplicate_warning = ""
    conflict = False
    form_version = request.POST.get("version", target.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_update(
                target=target,
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
            form_version = TargetEnterprise.objects.values_list("version", flat=True).get(
                pk=target.pk
            )
        except (DomainError, ValidationError) as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("目标企业「%(name)s」已保存。") % {"name": target})
            return redirect(target)
    return render(
        request,
        "leads/target_form.html",
        {
            "form": form,
            "target": target,
            "form_version": form_version,
            "duplicate_warning": duplicate_warning,
            "conflict": conflict,
        },
        status=200 if request.method == "GET" else (409 if conflict else 400),
    )


def _convert_dialog(
    request: HttpRequest,
    target: TargetEnterprise,
    form: TargetConvertForm,
    *,
    duplicate_warning: str = "",
    status: int = 200,
) -> HttpResponse:
    """The 转为线索 dialog (a page of its own without JavaScript); a refusal answers it again."""
    context: dict[str, Any] = {
        "target": target,
        "form": form,
        "duplicate_warning": duplicate_warning,
        "problem": services.target_convert_problem(target=target, actor=request.user),
    }
    if request.method == "POST" and is_fragment_request(request):
        # htmx swaps only 2xx answers: the refusal comes back as 200, into the dialog.
        return render_fragment(
            request, "leads/partials/_target_convert_dialog.html", context, target="#dialog-content"
        )
    return render_partial_or_page(
        request,
        page="leads/target_convert.html",
        partial="leads/partials/_target_convert_dialog.html",
        context=context,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """转为线索 (POST, with the channel); GET shows the dialog. A success opens the new lead."""
    target = selectors.target_get(user=request.user, pk=pk)
    form = TargetConvertForm(request.POST or None, initial={"version": target.version})
    if request.method == "GET" or not form.is_valid():
        return _convert_dialog(
            request, target, form, status=200 if request.method == "GET" else 400
        )
    try:
        lead = services.target_convert(
            target=target,
            actor=request.user,
            channel=form.cleaned_data["channel"],
            confirm_duplicate_name=form.cleaned_data["confirm_duplicate_name"],
            expected_version=form.cleaned_data["version"],
        )
    except DuplicateWarning as warning:
        return _convert_dialog(request, target, form, duplicate_warning=warning.message, status=400)
    except DomainError as error:
        add_domain_errors(form, error)
        return _convert_dialog(request, target, form, status=error.status_code)
    messages.success(
        request,
        _("已将「%(name)s」转为线索，从「搜集」阶段开始跟进。") % {"name": target.company_name},
    )
    if is_fragment_request(request):
        return _hx_redirect(lead.get_absolute_url())
    return redirect(lead)


@login_required
@require_http_methods(["GET", "POST"])
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a target never converted (POST); GET asks to confirm. Recorded in its history."""
    target = selectors.target_get(user=request.user, pk=pk)
    error: DomainError | None = None
    if request.method == "POST":
        try:
            services.target_delete(target=target, actor=request.user)
        except DomainError as refusal:
            error = refusal
        else:
            messages.success(request, _("目标企业「%(name)s」已删除。") % {"name": target})
            if is_fragment_request(request):
                return _hx_redirect(reverse("leads:target_list"))
            return redirect("leads:target_list")
    context = {
        "target": target,
        "error": error.message if error else services.target_delete_refusal(target),
    }
    if error and is_fragment_request(request):
        return render_fragment(
            request, "leads/partials/_target_delete_dialog.html", context, target="#dialog-content"
        )
    return render_partial_or_page(
        request,
        page="leads/target_delete.html",
        partial="leads/partials/_target_delete_dialog.html",
        context=context,
        status=error.status_code if error else 200,
    )
