"""Telling people of events: the inbox notice, the email and the task force's robots at once.

``notify`` is the one entry point the apps call (through their hooks) when something concerns
someone: a lead assigned, an approval asked or decided, a lead sent back, a mention, a task.
Each recipient's preference for the kind (``NotificationPreference``, else
``DEFAULT_CHANNELS``) decides: inbox only, inbox and email, or nothing. The inbox notice is
written in the event's own transaction; the email and the robots' messages are rows of the
one reminder ledger (``crm.models.Reminder``), enqueued after the commit and sent exactly once
with its retries and its failures recorded. Nobody is told of a record they may not see
(``crm.access.in_scope``), and nobody of their own doing.
"""

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.access import in_scope, is_leader_of
from crm.exceptions import PermissionRefused
from crm.models import (
    Comment,
    Notice,
    NoticeChannel,
    NotificationPreference,
    Reminder,
    TaskForce,
    TeamWebhook,
    User,
)
from crm.notifications import mail, services
from crm.notifications.selectors import DEFAULT_CHANNELS, channels_for, item_snapshot
from crm.registry import ReminderItem, attachable
from crm.writes import full_clean

TITLE_MAX_LENGTH = Notice._meta.get_field("title").max_length


@transaction.atomic
def preferences_save(*, user: User, channels: dict[str, str]) -> None:
    """Keep ``user``'s channel for each kind given; a kind set back to its default keeps no row."""
    for kind, channel in channels.items():
        if kind not in DEFAULT_CHANNELS or channel not in NoticeChannel.values:
            raise ValueError(f"unknown notification kind or channel: {kind!r} {channel!r}")
        if channel == DEFAULT_CHANNELS[kind]:
            NotificationPreference.objects.filter(user=user, kind=kind).delete()
        else:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"channel": channel}
            )


def _event_item(
    *, ref: str, title: str, url: str, task_force_id: int | None, details: dict[str, str]
) -> ReminderItem:
    """The event as the ledger's emails and robots list it; ``ref`` is "<source>:<id>…"."""
    source, _sep, rest = ref.partition(":")
    digits = re.match(r"\d*", rest).group()
    return ReminderItem(
        source=source,
        object_id=int(digits or 0),
        recipient_id=None,
        task_force_id=task_force_id,
        title=title,
        url=url,
        days_overdue=0,
        details=details,
    )


def _webhook_rows(
    *, kind: str, ref: str, day: datetime.date, task_force_id: int | None, snapshot: dict
) -> Q | None:
    """Write the ledger rows of the task force's robots that want ``kind``; their filter."""
    if task_force_id is None:
        return None
    hooks = [
        hook
        for hook in TeamWebhook.objects.filter(task_force_id=task_force_id, is_enabled=True)
        if hook.wants(kind)
    ]
    if not hooks:
        return None
    subject = mail.clip(mail.single_line(snapshot["title"]), mail.SUBJECT_MAX_LENGTH)
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=kind,
                webhook=hook,
                day=day,
                ref=ref,
                subject=subject,
                item_count=1,
                items=[snapshot],
            )
            for hook in hooks
        ],
        ignore_conflicts=True,
    )
    return Q(kind=kind, webhook__in=hooks, day=day, ref=ref)


@transaction.atomic
def notify(
    *,
    kind: str,
    recipients: Iterable[User],
    actor: User | None,
    record: Any,
    title: str,
    url: str,
    ref: str,
    body: str = "",
    details: dict[str, str] | None = None,
    task_force_id: int | None = None,
    item: ReminderItem | None = None,
) -> list[Notice]:
    """Tell ``recipients`` of an event of ``kind`` about ``record``, as each prefers, and the
    robots of ``task_force_id`` that want the kind; returns the new inbox notices.

    ``ref`` ("<source>:<id>", one per event) keeps a retried call from telling anyone twice;
    ``item`` is what the email lists (default: the title, link and ``details``). Recipients
    who are the actor, inactive, or outside the record's scope are left out.
    """
    details = {str(label): str(value) for label, value in (details or {}).items()}
    day = timezone.localdate()
    people = {
        user.pk: user
        for user in recipients
        if user is not None
        and user.is_active
        and (actor is None or user.pk != actor.pk)
        and in_scope(user, record)
    }
    channels = channels_for(people.values(), kind) if people else {}
    notices = [
        Notice(
            recipient=user,
            kind=kind,
            title=mail.clip(mail.single_line(title), TITLE_MAX_LENGTH),
            body=body,
            url=url,
            actor=actor,
            ref=ref,
        )
        for pk, user in people.items()
        if channels[pk] != NoticeChannel.NONE
    ]
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    event = _event_item(ref=ref, title=title, url=url, task_force_id=task_force_id, details=details)
    for pk, user in people.items():
        if channels[pk] == NoticeChannel.EMAIL:
            services.reminder_assignment_create(
                recipient=user, item=item or event, day=day, kind=kind
            )
    rows = _webhook_rows(
        kind=kind,
        ref=ref,
        day=day,
        task_force_id=task_force_id,
        snapshot=item_snapshot(event, ""),
    )
    if rows is not None:
        # robust: the event is committed whatever enqueueing raises; the tick sends later.
        transaction.on_commit(
            lambda: services.reminders_enqueue_from_request(services.claim_new(rows)),
            robust=True,
        )
    return notices


def notify_mentioned(comment: Comment, people: list[User]) -> None:
    """Tell the people a comment mentions (``crm.comments.mention_hooks``, inside the
    comment's transaction); each could see the record when it was written."""
    record = comment.content_type.get_object_for_this_type(pk=comment.object_id)
    entry = attachable.for_object(record)
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            kind=Reminder.Kind.MENTION,
            recipients=people,
            actor=comment.author,
            record=record,
            title=_("%(who)s在%(noun)s「%(name)s」的评论中提到了您")
            % {"who": comment.author, "noun": entry.noun if entry else "", "name": record},
            body=comment.body,
            url=f"{record.get_absolute_url()}#comments",
            ref=f"comments:{comment.pk}",
            details={_("评论"): mail.clip(mail.single_line(comment.body), 200)},
            task_force_id=getattr(record, "task_force_id", None),
        )


# --- the inbox ---------------------------------------------------------------------------------


def notice_mark_read(*, user: User, pk: int) -> int:
    """Mark one of ``user``'s notices read (a notice of someone else's is not found: 0)."""
    return Notice.objects.filter(recipient=user, pk=pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notices_mark_all_read(*, user: User) -> int:
    """Mark every unread notice of ``user`` read; returns how many."""
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- the task force's robots -------------------------------------------------------------------


def can_manage_webhooks(user: User, task_force: TaskForce) -> bool:
    """The task force's leader (or a bureau leader, an administrator) manages its robots."""
    return is_leader_of(user, task_force.pk)


def _check_manager(actor: User, task_force: TaskForce) -> None:
    if not can_manage_webhooks(actor, task_force):
        raise PermissionRefused(_("只有该专班的负责人或局领导可以设置群机器人。"))


@transaction.atomic
def webhook_save(*, webhook: TeamWebhook, actor: User, secret: str = "") -> TeamWebhook:
    """Create or change a robot; an empty ``secret`` keeps the one saved before."""
    _check_manager(actor, webhook.task_force)
    if webhook.pk and webhook.task_force_id != (
        TeamWebhook.objects.filter(pk=webhook.pk).values_list("task_force_id", flat=True).first()
    ):
        raise PermissionRefused(_("群机器人不能改到另一个专班。"))
    if secret:
        webhook.secret = secret
    elif webhook.pk:
        webhook.secret = TeamWebhook.objects.values_list("secret", flat=True).get(pk=webhook.pk)
    if webhook.created_by_id is None:
        webhook.created_by = actor
    full_clean(webhook)
    webhook.save()
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: TeamWebhook, actor: User) -> None:
    _check_manager(actor, webhook.task_force)
    webhook.delete()
