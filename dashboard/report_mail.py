"""The 周报 emailed to bureau leaders on Monday morning: the reminder engine sends it on its
schedule (``crm.registry.scheduled_mails``, registered in ``dashboard.apps``), its figures read
from ``dashboard.reports.report()``."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.notifications.mail import absolute_url
from crm.notifications.selectors import item_snapshot
from crm.registry import ReminderItem, ScheduledMailContent
from crm.templatetags.amounts import wan_yuan
from dashboard.ranking import RankingRow
from dashboard.reports import (
    COUNTY,
    MoveKind,
    Report,
    ReportRequest,
    ScopeKind,
    report,
    report_scope_get,
    report_title,
    report_url,
    week_of,
)

# The source key of the weekly email's items (its headline figures).
WEEKLY_SOURCE = "weekly_report"


def weekly_mail_context(day: datetime.date) -> dict[str, Any]:
    """What the weekly email shows besides its figures: the title and the page's link."""
    request = ReportRequest(scope=COUNTY, period=week_of(day))
    return {
        "report_title": report_title(COUNTY, request.period),
        "report_url": absolute_url(report_url(request)),
    }


def _headline_items(data: Report, recipient: User) -> Iterable[ReminderItem]:
    """The report's headline figures as the email lists them, each linking to its list (or
    to the report page where no list exists)."""
    page = report_url(data.request)
    new, moves, approvals, projects = (
        data.new_leads,
        data.stage_moves,
        data.approvals,
        data.projects,
    )

    def times(count: int) -> str:
        return _("%(count)d 次") % {"count": count}

    def pieces(count: int) -> str:
        return _("%(count)d 件") % {"count": count}

    def projects_count(count: int) -> str:
        return _("%(count)d 个") % {"count": count}

    figures: list[tuple[str, str, dict[str, str]]] = [
        (
            _("新增线索"),
            new.url,
            {
                _("数量"): _("%(count)d 条") % {"count": new.count},
                _("计划投资"): wan_yuan(new.investment),
                _("亿元以上"): _("%(count)d 条") % {"count": new.notable_count},
            },
        ),
        (
            _("阶段推进"),
            page,
            {
                str(MoveKind.FORWARD.label): times(moves.forward),
                str(MoveKind.BACK.label): times(moves.back),
                str(MoveKind.DROPPED.label): times(moves.dropped),
                str(MoveKind.REOPENED.label): times(moves.reopened),
            },
        ),
        (
            _("跟进记录"),
            page,
            {
                _("合计"): times(data.follow_ups.count),
                **{row.label: times(row.count) for row in data.follow_ups.by_method[:3]},
            },
        ),
        (
            _("审批"),
            approvals.waiting_url or page,
            {
                _("提请"): pieces(approvals.asked),
                _("批准"): pieces(approvals.approved),
                _("退回"): pieces(approvals.returned),
                _("目前待审批"): pieces(approvals.waiting),
                _("其中超期"): pieces(approvals.over_sla or 0),
            },
        ),
        (
            _("项目"),
            page,
            {
                _("新签约"): projects_count(projects.signed_count),
                _("签约额"): wan_yuan(projects.signed_amount),
                _("新开工"): projects_count(projects.commenced_count),
                _("到位资金"): wan_yuan(projects.funds_arrived),
            },
        ),
        (
            _("逾期（截至 %(date)s）") % {"date": data.today.isoformat()},
            data.overdue.leads_url,
            {entry.title: f"{entry.count} {entry.unit}" for entry in data.overdue.counts.counts},
        ),
    ]
    if data.ranking is not None and data.ranking.rows:
        # The first three places; task forces tied on a place share it.
        podium: dict[int, list[RankingRow]] = {}
        for entry in data.ranking.rows:
            if entry.row.rank <= 3:
                podium.setdefault(entry.row.rank, []).append(entry.row)
        figures.append(
            (
                _("龙虎榜"),
                page,
                {
                    _("第 %(rank)d 名") % {"rank": rank}: _("%(names)s（%(score)s 分）")
                    % {"names": "、".join(row.name for row in rows), "score": rows[0].score}
                    for rank, rows in podium.items()
                },
            )
        )
    for position, (title, url, details) in enumerate(figures, start=1):
        yield ReminderItem(
            source=WEEKLY_SOURCE,
            object_id=position,
            recipient_id=recipient.pk,
            task_force_id=None,
            title=title,
            url=url,
            days_overdue=0,
            details=details,
        )


def weekly_mail_build(recipient: User, day: datetime.date) -> ScheduledMailContent:
    """The county 周报 of the week starting ``day``, as ``recipient`` (a bureau leader) reads
    it today: the subject and the headline figures the email lists."""
    scope = report_scope_get(user=recipient, key=ScopeKind.COUNTY)
    period = week_of(day)
    data = report(
        user=recipient,
        scope=scope,
        start=period.start,
        end=period.end,
        today=timezone.localdate(),
    )
    return ScheduledMailContent(
        subject=_("【招商周报】%(title)s") % {"title": data.title},
        items=[item_snapshot(item, "") for item in _headline_items(data, recipient)],
    )
