"""Reminder pages (the user's current overdue items and what was sent to them), the inbox of
notices (我的消息) and the task forces' group robots (群机器人)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.admin_services import add_domain_error
from crm.exceptions import DomainError
from crm.forms import TeamWebhookForm
from crm.htmx import is_fragment_request, render_partial_or_page
from crm.models import User
from crm.notifications import notices, selectors, webhooks
from crm.views import safe_next

NOTICES_PER_PAGE = 30


@login_required
def reminder_list(request: HttpRequest) -> HttpResponse:
    """My overdue items now (per source, worst first), then my reminder history, newest first.

    ``?scope=team`` or ``all`` shows a wider scope the user has (their task forces, the
    county); the counts of each are the ones the work page and the emails show.
    """
    today = timezone.localdate()
    scopes = selectors.overdue_scopes_for(request.user)
    scope = request.GET.get("scope")
    scope = scope if scope in scopes else selectors.OverdueScope.MINE
    counts = [
        selectors.overdue_counts(user=request.user, today=today, scope=each) for each in scopes
    ]
    current = next(each for each in counts if each.scope == scope)
    sections = [
        (source, items, current.of(source.key))
        for source, items in selectors.user_overdue_items(
            user=request.user, today=today, scope=scope
        )
    ]
    history = Paginator(selectors.reminder_history(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "crm/reminders/reminder_list.html",
        {
            "today": today,
            "scope": scope,
            "counts": counts,
            "sections": sections,
            "total": current.total,
            "history": history,
        },
    )


@login_required
def reminder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of my reminders as it was sent: its items snapshot and delivery state."""
    reminder = selectors.reminder_get(user=request.user, pk=pk)
    return render(request, "crm/reminders/reminder_detail.html", {"reminder": reminder})


# --- the inbox (我的消息) -----------------------------------------------------------------------


def _notice_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    filterset = selectors.notice_list(user=request.user, filters=request.GET)
    if filterset.is_bound and not filterset.is_valid():
        status = 400
    unread_only = bool(filterset.form.cleaned_data.get("unread")) if filterset.is_bound else False
    notices = Paginator(filterset.qs, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render_partial_or_page(
        request,
        page="notifications/notices.html",
        partial="notifications/notices_list.html",
        context={
            "notices": notices,
            "unread_only": unread_only,
        },
        status=status,
    )


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    """My notices, unread first; ``?unread=true`` shows only the unread ones."""
    return _notice_page(request)


@login_required
@require_GET
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notice: it is marked read and the browser goes to what it is about.

    The link is re-read from my own notice (someone else's is not found), and only a path on
    this site is followed.
    """
    notice = selectors.notice_get(user=request.user, pk=pk)
    notices.notice_mark_read(user=request.user, pk=notice.pk)
    target = notice.url if notice.url.startswith("/") and not notice.url.startswith("//") else ""
    return redirect(target or reverse("notices:list"))


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read; htmx gets the list back."""
    notice = selectors.notice_get(user=request.user, pk=pk)
    notices.notice_mark_read(user=request.user, pk=notice.pk)
    if is_fragment_request(request):
        return _notice_page(request)
    return redirect(safe_next(request, reverse("notices:list")))


@login_required
@require_POST
def notices_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every notice of mine read."""
    count = notices.notices_mark_all_read(user=request.user)
    if is_fragment_request(request):
        return _notice_page(request)
    if count:
        messages.success(request, _("已将 %(count)d 条消息标为已读。") % {"count": count})
    return redirect(safe_next(request, reverse("notices:list")))


# --- the task forces' robots (群机器人) ------------------------------------------------------


def _check_manages_any(user: User) -> None:
    if not selectors.managed_task_forces(user=user).exists():
        raise PermissionDenied(_("只有专班负责人或局领导可以设置专班的群机器人。"))


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    """The robots of my task forces, with their latest messages, and the form for a new one."""
    _check_manages_any(request.user)
    teams = selectors.managed_task_forces(user=request.user)
    form = TeamWebhookForm(request.POST or None, task_forces=teams)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = notices.webhook_save(
                webhook=form.instance, actor=request.user, secret=form.cleaned_data["secret"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("群机器人「%(name)s」已添加。") % {"name": webhook.name})
            return redirect("notices:webhooks")
    hooks = list(selectors.webhooks_for(user=request.user))
    labels = dict(selectors.WEBHOOK_KIND_CHOICES)
    return render(
        request,
        "notifications/notices_webhooks.html",
        {
            "form": form,
            "webhooks": [
                (
                    hook,
                    [labels[kind] for kind in hook.kinds if kind in labels],
                    selectors.webhook_deliveries(webhook=hook),
                )
                for hook in hooks
            ],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a robot of my task force; its secret is never shown."""
    webhook = selectors.webhook_get(user=request.user, pk=pk)
    teams = selectors.managed_task_forces(user=request.user)
    form = TeamWebhookForm(request.POST or None, instance=webhook, task_forces=teams)
    if request.method == "POST" and form.is_valid():
        try:
            notices.webhook_save(
                webhook=form.instance, actor=request.user, secret=form.cleaned_data["secret"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("群机器人「%(name)s」已保存。") % {"name": webhook.name})
            return redirect("notices:webhooks")
    return render(
        request,
        "notifications/notices_webhook_form.html",
        {"form": form, "webhook": webhook},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = selectors.webhook_get(user=request.user, pk=pk)
    notices.webhook_delete(webhook=webhook, actor=request.user)
    messages.success(request, _("群机器人「%(name)s」已删除。") % {"name": webhook.name})
    return redirect("notices:webhooks")


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    """「发送测试消息」: post a short message now and say how it went."""
    webhook = selectors.webhook_get(user=request.user, pk=pk)
    try:
        webhooks.send_test_message(webhook)
    except webhooks.WebhookError as error:
        messages.error(
            request,
            _("测试消息发送失败：%(error)s。请检查地址和密钥，或稍后再试。") % {"error": error},
        )
    else:
        messages.success(
            request, _("测试消息已发送到「%(name)s」，请在群里查看。") % {"name": webhook.name}
        )
    return redirect("notices:webhooks")
