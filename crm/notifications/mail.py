"""Rendering and sending reminder emails: Chinese, plain text with an HTML alternative.

Links are absolute (``settings.SITE_URL``) because the email is read outside the site; the
subject says how many items are overdue.
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
from crm.registry import reminder_sources

# What a failed send raises that is worth retrying: the server refused, hung up or timed out.
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def absolute_url(path: str) -> str:
    """``path`` on the site as seen from outside (``SITE_URL``)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def reminder_subject(*, kind: str, count: int, day: datetime.date, items: list[dict]) -> str:
    """The subject line, with the number of overdue items (or the lead's name)."""
    with translation.override(settings.LANGUAGE_CODE):
        date_text = f"{day:%Y-%m-%d}"
        if kind == Reminder.Kind.OFFICER:
            text = _("【逾期提醒】您有 %(count)d 项逾期未跟进（%(day)s）")
        elif kind == Reminder.Kind.DIGEST:
            text = _("【专班汇总】专班共有 %(count)d 项逾期未跟进（%(day)s）")
        elif kind == Reminder.Kind.ESCALATION:
            text = _("【逾期督办】%(count)d 项逾期未跟进（%(day)s）")
        else:
            title = items[0]["title"] if items else ""
            return _("【新线索】您已被指定为「%(title)s」的负责人") % {"title": title}
        return text % {"count": count, "day": date_text}


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
                "title": titles.get(key, key),
                "count": len(items),
                "groups": [{"owner": owner, "items": rows} for owner, rows in groups.items()],
            }
        )
    return sections


def build_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The email for one reminder ledger row, rendered from its items snapshot."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "reminder": reminder,
            "recipient": reminder.recipient,
            "kind": reminder.kind,
            "sections": _sections(reminder),
            "more": max(reminder.item_count - len(reminder.items), 0),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "reminders_url": absolute_url(reverse("reminders:list")),
            "settings_hint": reminder.kind in Reminder.DAILY_KINDS,
        }
        text = render_to_string("crm/emails/reminder.txt", context)
        html = render_to_string("crm/emails/reminder.html", context)
    message = EmailMultiAlternatives(
        subject=reminder.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.email or reminder.recipient.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def send_reminder_mail(reminder: Reminder) -> None:
    """Send one reminder now; mail errors (``MAIL_ERRORS``) propagate to the caller."""
    build_message(reminder).send(fail_silently=False)
