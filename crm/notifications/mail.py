"""Rendering and sending reminder emails: Chinese, plain text with an HTML alternative.

Links are absolute (``settings.SITE_URL``) because the email is read outside the site; the
subject says how many items are overdue. A subject is one line that fits its column, whatever
the data it quotes holds: rows written before control characters were refused on input still
exist, and one of them must not stop a morning's run.
"""

import datetime
import smtplib
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from crm.models import Reminder
from crm.registry import reminder_sources, scheduled_mails
from crm.writes import CONTROL_CHARACTERS

# What a failed send raises that may succeed later: the server refused for now, hung up or
# timed out, the network failed (``smtplib.SMTPException`` is an ``OSError`` too). Anything
# else (a bad header, a value or encoding error, bad data) fails the same way every time.
MAIL_ERRORS = (smtplib.SMTPException, OSError)

SUBJECT_MAX_LENGTH = Reminder._meta.get_field("subject").max_length
ELLIPSIS = "…"


def is_retryable(error: BaseException) -> bool:
    """Whether sending again later may succeed: a mail error, not a permanent (5xx) refusal."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _message in error.recipients.values())
    return isinstance(error, MAIL_ERRORS)


def single_line(text: str) -> str:
    """``text`` safe for a mail header: control characters (the ones ``crm.writes`` refuses in
    one-line fields: newlines, tabs…) become spaces, runs of spaces one."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split())


def clip(text: str, max_length: int) -> str:
    """``text`` cut to ``max_length`` characters, an ellipsis marking the cut."""
    if len(text) <= max_length:
        return text
    return text[: max_length - len(ELLIPSIS)] + ELLIPSIS


def absolute_url(path: str) -> str:
    """``path`` on the site as seen from outside (``SITE_URL``)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def reminder_subject(*, kind: str, count: int, day: datetime.date, items: list[dict]) -> str:
    """The subject line, with the number of overdue items (or the lead's name): one line that
    fits the ledger's column, a long name shortened so the sentence around it stays whole."""
    with translation.override(settings.LANGUAGE_CODE):
        date_text = f"{day:%Y-%m-%d}"
        if kind == Reminder.Kind.OFFICER:
            text = _("【逾期提醒】您有 %(count)d 项逾期未跟进（%(day)s）")
        elif kind == Reminder.Kind.DIGEST:
            text = _("【专班汇总】专班共有 %(count)d 项逾期未跟进（%(day)s）")
        elif kind == Reminder.Kind.ESCALATION:
            text = _("【逾期督办】%(count)d 项逾期未跟进（%(day)s）")
        else:
            if kind == Reminder.Kind.APPROVAL:
                text = _("【审批结果】%(title)s")
            elif kind == Reminder.Kind.ASSIGNMENT:
                text = _("【新线索】您已被指定为「%(title)s」的负责人")
            else:
                # The other events (提请审批, 评论提及, 新任务 …): their title says what happened.
                text = f"【{Reminder.Kind(kind).label}】%(title)s"
            room = SUBJECT_MAX_LENGTH - len(single_line(text % {"title": ""}))
            title = single_line(str(items[0]["title"])) if items else ""
            subject = text % {"title": clip(title, max(room, len(ELLIPSIS)))}
            return clip(single_line(subject), SUBJECT_MAX_LENGTH)
        return clip(single_line(text % {"count": count, "day": date_text}), SUBJECT_MAX_LENGTH)


def _sections(reminder: Reminder) -> list[dict]:
    """The items grouped by source (and, in a digest, by officer), with absolute links."""
    titles = {source.key: source.title for source in reminder_sources}
    by_source: dict[str, list[dict]] = defaultdict(list)
    for item in reminder.items:
        by_source[item["source"]].append({**item, "link": absolute_url(item["url"])})
    sections = []
    for key, items in by_source.items():
        groups: dict[str, list[dict]] = defaultdict(list)
        for item in items:
            owner = item["owner_name"] if reminder.kind == Reminder.Kind.DIGEST else ""
            groups[owner].append(item)
        sections.append(
            {
                # An email about one object is titled by what happened (新线索分派, 审批结果),
                # not by the overdue section its source fills in the daily emails.
                "title": (
                    reminder.get_kind_display()
                    if reminder.kind in Reminder.SINGLE_KINDS
                    else titles.get(key, key)
                ),
                "count": len(items),
                "groups": [{"owner": owner, "items": rows} for owner, rows in groups.items()],
            }
        )
    return sections


def build_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The email for one reminder ledger row, rendered from its items snapshot.

    A scheduled mail (``crm.registry.scheduled_mails``: the weekly report) has its own
    template and adds its own context for the row's day.
    """
    scheduled = scheduled_mails.get(reminder.kind)
    template = scheduled.template if scheduled else "crm/emails/reminder"
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "reminder": reminder,
            "recipient": reminder.recipient,
            "kind": reminder.kind,
            "sections": _sections(reminder),
            "items": [{**item, "link": absolute_url(item["url"])} for item in reminder.items],
            "more": max(reminder.item_count - len(reminder.items), 0),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "reminders_url": absolute_url(reverse("reminders:list")),
            "settings_hint": reminder.kind in (*Reminder.DAILY_KINDS, *Reminder.WEEKLY_KINDS),
        }
        if scheduled is not None:
            context.update(scheduled.context(reminder.day))
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        # Rows stored before subjects were made single-line may still hold a newline.
        subject=single_line(reminder.subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.email or reminder.recipient.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def send_reminder_mail(reminder: Reminder) -> None:
    """Send one reminder now; every error propagates for the caller to sort (``is_retryable``)."""
    build_message(reminder).send(fail_silently=False)
