"""Pages for the files and comments of any record registered in ``crm.registry.attachable``:
the download, the upload, the removal (with its reason) and the comment box.

The download checks on every request that the reader sees the attachment's record (404
otherwise, as for the record itself) and sends the file with its sniffed content type,
``nosniff``, a policy that runs nothing, and ``attachment`` unless it is an image or a PDF.
Files are never under a URL a web server hands out by itself.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from crm import attachments, comments
from crm.exceptions import DomainError, NotFound, PermissionRefused
from crm.htmx import is_fragment_request, render_fragment
from crm.models import Attachment

# A file opened in the browser runs nothing and loads nothing: a PDF or an image that carries
# script is shown, never executed, under the site's origin.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def _record_url(record: models.Model, anchor: str) -> str:
    return f"{record.get_absolute_url()}#{anchor}"


def _done(request: HttpRequest, url: str) -> HttpResponse:
    """After a change: htmx reloads the record's page where the user is (its files and its
    timeline changed; a redirect to the same page with only another ``#anchor`` would merely
    scroll), a plain form is redirected to ``url``."""
    if is_fragment_request(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(url)


# --- download -----------------------------------------------------------------------------------


def _not_modified(request: HttpRequest, etag: str) -> bool:
    tags = request.headers.get("If-None-Match", "")
    return etag in [tag.strip() for tag in tags.split(",")]


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """The file, to whoever sees its record at this moment (404 for anyone else, and for a
    removed file). Images and PDF open in the browser; ``?download`` saves them instead."""
    attachment = attachments.attachment_get(user=request.user, pk=pk)
    if name != attachment.original_name:
        raise NotFound(_("没有找到这个附件。"))
    file_type = attachments.file_type_of(attachment)
    inline = bool(file_type and file_type.inline) and "download" not in request.GET
    # Revalidated on every use (no-cache), so the check above runs each time; an unchanged file
    # answers 304 without its content.
    etag = f'"{attachment.sha256}"'
    if _not_modified(request, etag):
        response = HttpResponseNotModified()
    else:
        response = _file_response(attachment, inline=inline)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response


def _file_response(attachment: Attachment, *, inline: bool) -> HttpResponse:
    storage = attachments.attachment_storage()
    disposition = content_disposition_header(not inline, attachment.original_name)
    seconds = settings.ATTACHMENT_PRESIGNED_SECONDS
    if seconds > 0 and not attachments.is_local_storage(storage):
        # The object store serves the bytes; the link it signs expires in ``seconds``.
        url = storage.url(
            attachment.storage_name,
            parameters={
                "ResponseContentType": attachment.mime_type,
                "ResponseContentDisposition": disposition,
            },
            expire=seconds,
        )
        return HttpResponseRedirect(url)
    try:
        handle = storage.open(attachment.storage_name, "rb")
    except (FileNotFoundError, OSError) as error:
        raise NotFound(_("附件的文件已不在存储中，请联系系统管理员。")) from error
    response = FileResponse(handle, content_type=attachment.mime_type)
    response["Content-Disposition"] = disposition
    response["Content-Length"] = str(attachment.size)
    return response


# --- upload -------------------------------------------------------------------------------------


def _panel_response(request: HttpRequest, record: models.Model, errors: list[str]) -> HttpResponse:
    """The files panel again with what went wrong (htmx swaps only 2xx answers)."""
    panel = attachments.attachment_panel(user=request.user, record=record)
    return render_fragment(
        request,
        "crm/partials/_attachments.html",
        {"attachment_panel": panel, "upload_errors": errors},
    )


@login_required
@require_POST
def attachment_upload(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    """Attach one or more files to a record; each is checked on its own, so one refused file
    does not stop the others."""
    record = attachments.record_get(user=request.user, model=model, pk=pk)
    uploads = request.FILES.getlist("file")
    errors: list[str] = []
    saved: list[str] = []
    if not uploads:
        errors.append(_("请选择要上传的文件。"))
    elif len(uploads) > attachments.MAX_FILES_PER_UPLOAD:
        errors.append(
            _("一次最多上传 %(max)d 个文件。") % {"max": attachments.MAX_FILES_PER_UPLOAD}
        )
        uploads = []
    for upload in uploads:
        try:
            attachment = attachments.attachment_add(
                record=record, actor=request.user, upload=upload
            )
        except PermissionRefused as refusal:
            if is_fragment_request(request):
                return _panel_response(request, record, [refusal.message])
            raise PermissionDenied(refusal.message) from refusal
        except DomainError as error:
            errors.append(error.message)
        else:
            saved.append(attachment.original_name)
    if not saved and is_fragment_request(request):
        return _panel_response(request, record, errors)
    if saved:
        messages.success(
            request,
            _("已上传 %(count)d 个附件：%(names)s。")
            % {"count": len(saved), "names": "、".join(saved)},
        )
    for error in errors:
        messages.error(request, error)
    return _done(request, _record_url(record, "attachments"))


# --- removal ------------------------------------------------------------------------------------


def _remove_dialog(
    request: HttpRequest, attachment: Attachment, *, error: str = "", status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "attachment": attachment,
        "record": attachment.record,
        "error": error,
        "reason": request.POST.get("reason", ""),
    }
    if is_fragment_request(request):
        # A refusal answers the dialog, not the element that asked for it.
        return render_fragment(
            request,
            "crm/partials/_attachment_remove_dialog.html",
            context,
            target="#dialog-content" if request.method == "POST" else None,
        )
    return render(request, "crm/attachment_remove.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for the reason (the shared dialog, or a page without JavaScript); POST removes
    the file, keeping who, when and why on the record's timeline."""
    attachment = attachments.attachment_get(user=request.user, pk=pk)
    record = attachment.record
    if not attachments.can_change(request.user, record):
        raise PermissionDenied(_("您可以查看，但不能删除这个附件。"))
    if request.method == "GET":
        return _remove_dialog(request, attachment)
    try:
        attachments.attachment_remove(
            attachment=attachment, actor=request.user, reason=request.POST.get("reason", "")
        )
    except PermissionRefused as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except DomainError as error:
        return _remove_dialog(request, attachment, error=error.message, status=400)
    messages.success(request, _("已删除附件「%(name)s」，删除记录已留存。") % {"name": attachment})
    return _done(request, _record_url(record, "attachments"))


# --- comments -----------------------------------------------------------------------------------


@login_required
@require_POST
def comment_create(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    """Post a comment; with htmx a refusal comes back in the comment box, the text kept."""
    record = attachments.record_get(user=request.user, model=model, pk=pk)
    body = request.POST.get("body", "")
    try:
        comment = comments.comment_add(record=record, actor=request.user, body=body)
    except NotFound:
        raise
    except DomainError as error:
        if is_fragment_request(request):
            box = comments.comment_box(record, error=error.message, body=body)
            return render_fragment(request, "crm/partials/_comments.html", {"comment_box": box})
        messages.error(request, error.message)
        return redirect(_record_url(record, "comments"))
    mentioned = comments.comment_mentions(comment)
    if mentioned:
        text = _("评论已发表，已提醒：%(names)s。") % {
            "names": "、".join(str(user) for user in mentioned)
        }
    else:
        text = _("评论已发表。")
    messages.success(request, text)
    return _done(request, _record_url(record, "comments"))


@login_required
@require_safe
def mention_candidates(request: HttpRequest, model: str, pk: int) -> JsonResponse:
    """Who the comment box offers after "@" (``?q=`` narrows): people who see the record."""
    record = attachments.record_get(user=request.user, model=model, pk=pk)
    people = comments.mention_candidates(
        record=record, actor=request.user, query=request.GET.get("q", "")[:30]
    )
    return JsonResponse(
        {
            "results": [
                {
                    "username": person.user.username,
                    "name": str(person.user),
                    "insert": person.text,
                }
                for person in people
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )
