"""Registries through which upper apps plug into the floor without ``crm`` importing them.

The morning reminder email has a section per source (overdue leads, overdue project tasks …).
Each app registers its source in ``AppConfig.ready()``::

    from crm.registry import reminder_sources, ReminderSource
    reminder_sources.register(
        ReminderSource(key="leads", title=_("逾期线索"), collect=…, collect_for=…, count_for=…)
    )

A detail page shows the panels upper apps add to it (the lead page's 关联项目 panel comes from
``projects``), so a lower app's template never loads an upper app's tags::

    from crm.registry import DetailPanel, detail_panels
    detail_panels.register(
        DetailPanel(model="leads.lead", key="project", template="…", context=…, order=10)
    )
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class ReminderItem:
    """One overdue thing a person must act on, as the reminder engine sees it."""

    source: str  # the ReminderSource key
    object_id: int
    # the user responsible (the lead's owner, the task's assignee); None when nobody is (an
    # unowned lead): the item is still overdue for the task force's digest and the escalation
    recipient_id: int | None
    task_force_id: int | None  # whose leader gets it in their digest
    title: str  # e.g. the company or task name
    url: str  # path of the object's page (the engine makes it absolute with SITE_URL)
    days_overdue: int
    details: dict[str, str] = field(default_factory=dict)  # label → value lines for the email


@dataclass(frozen=True)
class ReminderSource:
    """A section of the reminder email: ``collect(today)`` returns every overdue item.

    ``collect_for(user, today, scope)`` and ``count_for(user, today, scope)`` answer for one
    person and a scope (``crm.notifications.selectors.OverdueScope``: mine, my task forces,
    everything I see) without scanning everyone's items; the work page, the reminders page, the
    navigation badge and the emails all count through them. ``unit`` is the measure word a
    count takes (「逾期线索 3 条」).
    """

    key: str
    title: str
    collect: Callable[[datetime.date], Iterable[ReminderItem]]
    collect_for: Callable[[Any, datetime.date, str], Iterable[ReminderItem]]
    count_for: Callable[[Any, datetime.date, str], int]
    unit: str = ""
    # Sources whose items belong to nobody in person (approvals waiting for a leader) are not
    # counted in the "mine" scope: ("team", "all").
    personal: bool = True


class ReminderRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, ReminderSource] = {}

    def register(self, source: ReminderSource) -> None:
        self._sources[source.key] = source

    def __iter__(self):
        return iter(self._sources.values())


reminder_sources = ReminderRegistry()


@dataclass(frozen=True)
class DetailPanel:
    """A panel an upper app adds to the detail page of a lower app's model.

    ``model`` is the model's label (``"leads.lead"``); ``context(request, obj)`` returns what
    ``template`` needs (it also sees the page's context); panels show in ``order``.
    """

    model: str
    key: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class BoundPanel:
    """A panel ready for one page: the template includes ``template`` with ``panel.context``."""

    key: str
    template: str
    context: dict[str, Any]


class PanelRegistry:
    def __init__(self) -> None:
        self._panels: dict[tuple[str, str], DetailPanel] = {}

    def register(self, panel: DetailPanel) -> None:
        self._panels[(panel.model, panel.key)] = panel

    def for_object(self, request: HttpRequest, obj: Any) -> list[BoundPanel]:
        """The panels registered for ``obj``'s model, in order, with their context computed."""
        label = obj._meta.label_lower
        panels = sorted(
            (panel for panel in self._panels.values() if panel.model == label),
            key=lambda panel: (panel.order, panel.key),
        )
        return [
            BoundPanel(key=panel.key, template=panel.template, context=panel.context(request, obj))
            for panel in panels
        ]


detail_panels = PanelRegistry()
