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

The reminder engine also sends mails on a schedule whose content an upper app computes (the
weekly report to bureau leaders comes from ``dashboard``)::

    from crm.registry import ScheduledMail, scheduled_mails
    scheduled_mails.register(
        ScheduledMail(kind="weekly", recipients=…, build=…, context=…, template="…")
    )

The 台账 import (``crm.imports``) reads a file the same way for every kind of record; each app
registers what its columns are and which of its services writes the rows::

    from crm.registry import import_specs
    import_specs.register(ImportSpec(kind="leads", title=_("线索"), fields=…, run=…))

Records that carry attachments and comments (``crm.attachments``, ``crm.comments``) say who
sees them and who may change them, so the floor serves their files and mentions by the
record's own rule::

    from crm.registry import Attachable, attachable
    attachable.register(
        Attachable(model="leads.lead", visible=…, changeable=…, readers=…, noun=_("线索"))
    )

The cockpit and the 图谱 cost a pass over every visible lead; ``crm.snapshots`` keeps their
figures per reader, computed by the function an app registers under a name::

    from crm.registry import snapshot_kinds
    snapshot_kinds.register("cockpit", compute)  # compute(user, **params) -> picklable value

The global search (top bar, ``/search/``, ``/api/v1/search/``) finds every kind of record an
app registers, through the kind's own list FilterSet over what the reader sees::

    from crm.registry import SearchSource, search_sources
    search_sources.register(
        SearchSource(key="leads", title=_("线索"), filterset=…, visible=…, list_url="leads:list")
    )
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from crm.search import first_matches


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


@dataclass(frozen=True)
class ScheduledMailContent:
    """What one scheduled mail says, fixed when its ledger row is written: the subject and the
    items snapshot (``ReminderItem``-shaped dicts, see ``item_snapshot``) the email lists."""

    subject: str
    items: list[dict]


@dataclass(frozen=True)
class ScheduledMail:
    """A mail the reminder engine sends on a schedule, its content computed by an upper app.

    ``kind`` is a ``Reminder.Kind`` of ``Reminder.WEEKLY_KINDS`` (the schedule is
    ``ReminderSchedule``'s ``weekly_report_*``); ``recipients()`` is the filter on ``User`` of
    who receives it; ``build(recipient, day)`` the subject and items for one recipient, ``day``
    being the first day of the week reported on (the ledger row's day); ``context(day)`` what
    ``template`` (a path without ``.txt`` / ``.html``) needs besides the row when it is sent.
    """

    kind: str
    recipients: Callable[[], Any]
    build: Callable[[Any, datetime.date], ScheduledMailContent]
    context: Callable[[datetime.date], dict[str, Any]]
    template: str


class ScheduledMailRegistry:
    def __init__(self) -> None:
        self._mails: dict[str, ScheduledMail] = {}

    def register(self, mail: ScheduledMail) -> None:
        self._mails[mail.kind] = mail

    def get(self, kind: str) -> ScheduledMail | None:
        return self._mails.get(kind)

    def __iter__(self):
        return iter(self._mails.values())


scheduled_mails = ScheduledMailRegistry()


class ImportSpecRegistry:
    """The kinds of record a 台账 can be imported as (``crm.imports.ImportSpec``), in the order
    the apps registered them."""

    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}

    def register(self, spec: Any) -> None:
        self._specs[spec.kind] = spec

    def get(self, kind: str) -> Any | None:
        return self._specs.get(kind)

    def __iter__(self):
        return iter(self._specs.values())


import_specs = ImportSpecRegistry()


class SnapshotKindRegistry:
    """What ``crm.snapshots`` can compute: a name → ``compute(user, **params)``; the worker
    that refreshes a snapshot finds its function here by the name."""

    def __init__(self) -> None:
        self._kinds: dict[str, Callable[..., Any]] = {}

    def register(self, key: str, compute: Callable[..., Any]) -> None:
        self._kinds[key] = compute

    def get(self, key: str) -> Callable[..., Any]:
        return self._kinds[key]


snapshot_kinds = SnapshotKindRegistry()


@dataclass(frozen=True)
class Attachable:
    """A kind of record that carries attachments, and comments when ``comments`` is set.

    ``visible(user)`` is the queryset of the records ``user`` sees (the model's
    ``visible_to``); ``changeable(user, record)`` whether ``user`` may add and remove its
    files; ``readers(record)`` the filter on ``User`` of who sees ``record`` (whom a comment
    may mention). ``noun`` names the record in messages (线索, 项目, 事项).
    """

    model: str  # the model's label, "leads.lead"
    visible: Callable[[Any], Any]
    changeable: Callable[[Any, Any], bool]
    readers: Callable[[Any], Any]
    noun: str
    comments: bool = True


class AttachableRegistry:
    def __init__(self) -> None:
        self._models: dict[str, Attachable] = {}

    def register(self, entry: Attachable) -> None:
        self._models[entry.model] = entry

    def get(self, label: str) -> Attachable | None:
        return self._models.get(label)

    def for_object(self, obj: Any) -> Attachable | None:
        return self._models.get(obj._meta.label_lower)

    def __iter__(self):
        return iter(self._models.values())


attachable = AttachableRegistry()


@dataclass(frozen=True)
class SearchHit:
    """One record found by the global search, as every result list shows it."""

    id: int
    title: str
    url: str
    badge: str  # its stage or status
    details: tuple[str, ...]  # what tells it apart: credit code, contact, task force …


@dataclass(frozen=True)
class SearchResult:
    """A kind's answer: its first hits and how many match, as its list page counts them
    (at most ``crm.search.SCAN_LIMIT`` for a search that reads every row: ``limited``)."""

    source: "SearchSource"
    hits: list[SearchHit]
    total: int
    limited: bool
    url: str  # the kind's list page with the same ``q``


def _value(obj: Any, path: str) -> str:
    """``obj``'s attribute at a dotted ``path``, called if callable; blank when missing."""
    for name in path.split("."):
        obj = getattr(obj, name, None)
        if callable(obj):
            obj = obj()
        if obj is None:
            return ""
    return str(obj)


@dataclass(frozen=True)
class SearchSource:
    """A kind of record the global search finds.

    ``search`` runs the kind's list FilterSet (``filterset``, whose ``q`` is the list's search)
    over ``visible(user)``, so a kind finds what its list finds under the same ``q``, in the
    list's order, and counts it as the list does. ``related`` is what a hit's ``badge`` and
    ``details`` (dotted attributes of a row, called when callable) read, loaded in the same
    query; ``list_url`` names the list page.
    """

    key: str
    title: str
    filterset: type
    visible: Callable[[Any], Any]
    list_url: str
    badge: str = ""
    details: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    order: int = 100

    def search(self, user: Any, query: str, limit: int) -> SearchResult:
        """The first ``limit`` records ``user`` sees that match ``query``, and their count."""
        queryset = self.visible(user)
        if self.related:
            queryset = queryset.select_related(*self.related)
        rows, total, limited = first_matches(self.filterset({"q": query}, queryset), limit)
        hits = [
            SearchHit(
                id=row.pk,
                title=str(row),
                url=row.get_absolute_url(),
                badge=_value(row, self.badge) if self.badge else "",
                details=tuple(text for path in self.details if (text := _value(row, path))),
            )
            for row in rows
        ]
        url = f"{reverse(self.list_url)}?{urlencode({'q': query})}"
        return SearchResult(source=self, hits=hits, total=total, limited=limited, url=url)


class SearchRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, SearchSource] = {}

    def register(self, source: SearchSource) -> None:
        self._sources[source.key] = source

    def __iter__(self):
        return iter(sorted(self._sources.values(), key=lambda source: (source.order, source.key)))

    def search(self, *, user: Any, query: str, limit: int) -> list[SearchResult]:
        """Every kind's answer to ``query`` (already checked by ``crm.search.query_problem``),
        in the kinds' order: two queries a kind, one when nothing matches."""
        return [source.search(user, query, limit) for source in self]


search_sources = SearchRegistry()
