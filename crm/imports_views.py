"""The 导入台账 pages: the import log, upload, preview and confirm, and the templates.

The views parse input and call ``crm.imports``, which reads the file and hands the rows to the
app that registered the kind (``crm.registry.import_specs``); ``crm`` imports no app.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import imports
from crm.exceptions import DomainError
from crm.export import XLSX_CONTENT_TYPE
from crm.models import ImportLog

PAGE_SIZE = 25


def _kind_choices() -> list[tuple[str, str]]:
    return [(spec.kind, str(spec.title)) for spec in imports.specs()]


class ImportUploadForm(forms.Form):
    """What to import, the file, and what to do with rows that are already records."""

    kind = forms.ChoiceField(
        label=gettext_lazy("导入为"), choices=_kind_choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=gettext_lazy("台账文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    on_match = forms.ChoiceField(
        label=gettext_lazy("与系统中已有记录相同的行"),
        choices=ImportLog.OnMatch.choices,
        initial=ImportLog.OnMatch.SKIP,
        widget=forms.RadioSelect,
    )
    on_similar = forms.ChoiceField(
        label=gettext_lazy("与已有记录名称相近的行"),
        choices=ImportLog.OnSimilar.choices,
        initial=ImportLog.OnSimilar.SKIP,
        widget=forms.RadioSelect,
    )


class ImportOptionsForm(forms.Form):
    """The choices of a preview's recheck and of its confirmation."""

    on_match = forms.ChoiceField(choices=ImportLog.OnMatch.choices, widget=forms.RadioSelect)
    on_similar = forms.ChoiceField(choices=ImportLog.OnSimilar.choices, widget=forms.RadioSelect)


def _limits() -> dict[str, str]:
    return {
        "max_mb": f"{imports.max_bytes() / 1024 / 1024:g}",
        "max_rows": f"{imports.max_rows():,}",
    }


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """The import log: one's own imports (everyone's for bureau leaders and administrators)."""
    filterset = imports.import_log_list(user=request.user, filters=request.GET)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    titles = dict(_kind_choices())
    for log in page.object_list:
        log.kind_title = titles.get(log.kind, log.kind)
    return render(
        request,
        "imports/import_list.html",
        {
            "filter": filterset,
            "page": page,
            "logs": page.object_list,
            "specs": imports.specs(),
            "query": _without_page(request),
        },
    )


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a file: it is checked (nothing written) and its preview shown."""
    kinds = dict(_kind_choices())
    initial_kind = request.GET.get("kind")
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": initial_kind if initial_kind in kinds else next(iter(kinds), "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = imports.import_upload(
                actor=request.user,
                kind=data["kind"],
                upload=data["file"],
                on_match=data["on_match"],
                on_similar=data["on_similar"],
                request=request,
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            return redirect(result.log)
    return render(
        request,
        "imports/import_new.html",
        {"form": form, "specs": imports.specs(), **_limits()},
        status=400 if request.method == "POST" else 200,
    )


def _detail_context(request: HttpRequest, log: ImportLog) -> dict[str, Any]:
    spec = imports.spec_for(log.kind)
    waiting = (
        log.status == ImportLog.Status.PREVIEW
        and log.actor_id == request.user.pk
        and imports.stored_upload(log) is not None
    )
    problems = log.errors if isinstance(log.errors, list) else []
    error_rows = {
        problem["row"]
        for problem in problems
        if problem.get("severity") == "error" and problem.get("row")
    }
    earlier = imports.earlier_import(log)
    return {
        "log": log,
        "spec": spec,
        "waiting": waiting,
        "expired": log.status == ImportLog.Status.PREVIEW and not waiting,
        "columns": log.mapping if isinstance(log.mapping, list) else [],
        "fields": [(each.name, str(each.header), each.required) for each in spec.fields],
        "problems": problems,
        "problems_capped": log.error_count + log.warning_count > len(problems),
        "error_row_count": len(error_rows),
        "earlier": earlier,
        # The same file was imported after this preview was checked: its counts are stale.
        "stale": waiting and earlier is not None and earlier.updated_at > log.updated_at,
        "options": ImportOptionsForm(
            initial={"on_match": log.on_match, "on_similar": log.on_similar}
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's counts and problems; while it waits, its column mapping and choices can be
    changed and checked again (POST), then confirmed (``import_commit``)."""
    log = imports.import_log_get(user=request.user, pk=pk)
    if request.method == "POST":
        options = ImportOptionsForm(request.POST)
        if not options.is_valid():
            messages.error(request, _("请选择如何处理已有记录和名称相近的行。"))
            return redirect(log)
        mapping = {
            int(key.removeprefix("map-")): value
            for key, value in request.POST.items()
            if key.startswith("map-") and key.removeprefix("map-").isdigit()
        }
        try:
            imports.import_recheck(
                log=log,
                actor=request.user,
                mapping=mapping or None,
                on_match=options.cleaned_data["on_match"],
                on_similar=options.cleaned_data["on_similar"],
                request=request,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.info(request, _("已按新的设置重新检查。"))
        return redirect(log)
    return render(request, "imports/import_detail.html", _detail_context(request, log))


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the previewed file for real, with the choices its preview was checked with."""
    log = imports.import_log_get(user=request.user, pk=pk)
    try:
        result = imports.import_confirm(
            log=log,
            actor=request.user,
            on_match=log.on_match,
            on_similar=log.on_similar,
            request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(log)
    # The log's page says what happened: every row written, or the problems and nothing written.
    return redirect(result.log)


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The import template of ``kind``: the export's headers, an example row, the 说明 sheet."""
    spec = imports.spec_for(kind)
    response = HttpResponse(
        imports.template_workbook(spec, actor=request.user), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("%(title)s导入模板.xlsx") % {"title": spec.title}
    )
    return response
