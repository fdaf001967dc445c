"""The 招商图谱: each industry chain's links with what the reader may see of them.

For every link: the active leads by stage and by chain role, the projects (terminated ones
left out) by status with their total investment, the local anchor enterprises (the link's
``local_enterprises`` lines, then the enterprises of its producing projects) and the target
enterprises still open and already converted. A link with no local enterprise, no active lead
and no project is a 补链缺口.

Every figure is counted over ``visible_to(user)`` and with the filters of the lists it opens
(``chain_link`` and ``stage`` on the lead list, ``chain_link`` and ``status`` on the project
list), so the number on the map is the length of the list behind it. The figures cost a fixed
number of queries whatever the data size: one grouped query per kind of record for all links.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils.translation import gettext as _

from crm.exceptions import NotFound
from crm.models import ChainLink, IndustryChain, User
from crm.snapshots import Snapshot, snapshot
from leads.filters import LeadFilterSet
from leads.models import Lead, TargetEnterprise
from leads.selectors import lead_list, target_list
from projects.models import Project
from projects.selectors import project_list

# The projects the map counts: every status but terminated (a terminated project is no longer
# part of the chain's picture).
MAP_STATUSES = Project.OPEN_STATUSES
# How many of a link's projects and targets its page lists before pointing to the full list.
LINK_PAGE_LIMIT = 50


@dataclass
class Figure:
    """One count on the map, with what it counts (a stage, a role or a status)."""

    key: str
    label: str
    count: int


@dataclass
class LinkFigures:
    """What the map shows of one chain link, within what the reader may see."""

    link: ChainLink
    leads_by_stage: dict[str, int] = field(default_factory=dict)
    leads_by_role: dict[str, int] = field(default_factory=dict)
    projects_by_status: dict[str, int] = field(default_factory=dict)
    investment: Decimal = Decimal(0)  # 万元, total investment of the projects counted
    producing: list[str] = field(default_factory=list)  # enterprises of producing projects
    targets_open: int = 0
    targets_converted: int = 0

    @property
    def lead_count(self) -> int:
        """Active leads (collect, screen, dock, serve)."""
        return sum(self.leads_by_stage.values())

    @property
    def project_count(self) -> int:
        return sum(self.projects_by_status.values())

    @property
    def target_count(self) -> int:
        return self.targets_open + self.targets_converted

    @property
    def local_enterprises(self) -> list[str]:
        """The link's 本地龙头企业, one per line of the reference data."""
        return [line.strip() for line in self.link.local_enterprises.splitlines() if line.strip()]

    @property
    def anchors(self) -> list[str]:
        """Local anchor enterprises: the named ones, then producing projects' not yet named."""
        named = self.local_enterprises
        return named + [name for name in dict.fromkeys(self.producing) if name not in named]

    @property
    def is_gap(self) -> bool:
        """A 补链缺口: nothing local, no active lead and no project on this link."""
        return not self.local_enterprises and not self.lead_count and not self.project_count

    @property
    def targets_without_leads(self) -> bool:
        """Targets are filed here but none has become an active lead yet."""
        return self.targets_open > 0 and not self.lead_count

    @property
    def stage_counts(self) -> dict[str, int]:
        """Active leads per active stage, zeros included (the API's shape)."""
        return {figure.key: figure.count for figure in self.stages}

    @property
    def role_counts(self) -> dict[str, int]:
        """Active leads per chain role, zeros included."""
        return {figure.key: figure.count for figure in self.roles}

    @property
    def status_counts(self) -> dict[str, int]:
        """Projects per status the map counts, zeros included."""
        return {str(status): self.projects_by_status.get(status, 0) for status in MAP_STATUSES}

    @property
    def stages(self) -> list[Figure]:
        """The active stages in pipeline order, each with its count (zeros included)."""
        return [
            Figure(str(stage), str(Lead.Stage(stage).label), self.leads_by_stage.get(stage, 0))
            for stage in Lead.ACTIVE_STAGES
        ]

    @property
    def roles(self) -> list[Figure]:
        """延链, 补链, 强链 with the active leads of each (zeros included)."""
        return [
            Figure(role, label, self.leads_by_role.get(role, 0))
            for role, label in Lead.ChainRole.choices
        ]

    @property
    def statuses(self) -> list[Figure]:
        """The project statuses that have projects here, in the board's order."""
        return [
            Figure(str(status), str(Project.Status(status).label), self.projects_by_status[status])
            for status in MAP_STATUSES
            if self.projects_by_status.get(status)
        ]


@dataclass
class ChainRow:
    """One chain of the map: its links left to right, and their sums."""

    chain: IndustryChain
    links: list[LinkFigures]

    @property
    def gap_count(self) -> int:
        return sum(link.is_gap for link in self.links)

    @property
    def lead_count(self) -> int:
        return sum(link.lead_count for link in self.links)

    @property
    def project_count(self) -> int:
        return sum(link.project_count for link in self.links)

    @property
    def investment(self) -> Decimal:
        return sum((link.investment for link in self.links), Decimal(0))

    @property
    def targets_open(self) -> int:
        return sum(link.targets_open for link in self.links)


def _links() -> QuerySet[ChainLink]:
    return ChainLink.objects.filter(chain__is_active=True).select_related("chain__industry")


def _fill(figures: dict[int, LinkFigures], *, user: User) -> None:
    """Count, for the links of ``figures``, what ``user`` sees: four grouped queries."""
    ids = list(figures)
    for row in (
        Lead.objects.visible_to(user)
        .filter(chain_link__in=ids, stage__in=Lead.ACTIVE_STAGES)
        .order_by()
        .values("chain_link", "stage", "chain_role")
        .annotate(n=Count("id"))
    ):
        link = figures[row["chain_link"]]
        link.leads_by_stage[row["stage"]] = link.leads_by_stage.get(row["stage"], 0) + row["n"]
        if row["chain_role"]:
            role = row["chain_role"]
            link.leads_by_role[role] = link.leads_by_role.get(role, 0) + row["n"]
    projects = Project.objects.visible_to(user).filter(chain_link__in=ids, status__in=MAP_STATUSES)
    for row in (
        projects.order_by()
        .values("chain_link", "status")
        .annotate(n=Count("id"), total=Sum("total_investment"))
    ):
        link = figures[row["chain_link"]]
        link.projects_by_status[row["status"]] = row["n"]
        link.investment += row["total"] or Decimal(0)
    for link_id, name in (
        projects.filter(status=Project.Status.PRODUCING)
        .order_by("chain_link", "enterprise_name")
        .values_list("chain_link", "enterprise_name")
        .distinct()
    ):
        figures[link_id].producing.append(name)
    for row in (
        TargetEnterprise.objects.visible_to(user)
        .filter(chain_link__in=ids)
        .order_by()
        .values("chain_link")
        .annotate(
            open=Count("id", filter=Q(lead__isnull=True)),
            converted=Count("id", filter=Q(lead__isnull=False)),
        )
    ):
        link = figures[row["chain_link"]]
        link.targets_open, link.targets_converted = row["open"], row["converted"]


def atlas(*, user: User) -> list[ChainRow]:
    """Every active chain with its links in position order and their figures for ``user``.

    Five queries (plus the reader's task forces, once per request) whatever the data size.
    """
    links = list(_links().order_by("chain__sort_order", "chain__code", "position", "id"))
    figures = {link.pk: LinkFigures(link=link) for link in links}
    if figures:
        _fill(figures, user=user)
    rows: dict[int, ChainRow] = {}
    for link in links:
        row = rows.setdefault(link.chain_id, ChainRow(chain=link.chain, links=[]))
        row.links.append(figures[link.pk])
    return list(rows.values())


def atlas_from_params(user: User) -> list[ChainRow]:
    """``atlas`` as ``crm.snapshots`` computes it (registered as ``"atlas"``)."""
    return atlas(user=user)


def atlas_snapshot(*, user: User, fresh: bool = False) -> Snapshot:
    """The map as kept for ``user`` (``crm.snapshots``); ``.value`` is ``atlas(user=user)``."""
    return snapshot("atlas", user=user, params={}, fresh=fresh)


def link_figures(*, user: User, pk: Any) -> LinkFigures:
    """One link's figures, counted exactly as on the map; ``NotFound`` for an unknown link."""
    try:
        link = _links().get(pk=pk)
    except (ChainLink.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("没有找到这个产业链环节。")) from None
    figures = {link.pk: LinkFigures(link=link)}
    _fill(figures, user=user)
    return figures[link.pk]


def _lead_filters(link: ChainLink, params: QueryDict | None) -> QueryDict:
    """The link page's lead table: the link's active leads unless ``stage`` says otherwise,
    narrowed by ``chain_role``; the same FilterSet and parameters as the lead list."""
    params = params or QueryDict()
    return _query(
        chain_link=[link.code],
        stage=params.getlist("stage") or Lead.ACTIVE_STAGES,
        chain_role=params.getlist("chain_role"),
    )


@dataclass
class LinkPage:
    """A link's page: its figures and the lists behind them."""

    figures: LinkFigures
    leads: LeadFilterSet  # the link's leads, as filtered by the page's parameters
    projects: list[Project]  # the projects the map counts, at most LINK_PAGE_LIMIT
    targets: list[TargetEnterprise]  # open ones first, at most LINK_PAGE_LIMIT

    @property
    def more_projects(self) -> bool:
        return self.figures.project_count > len(self.projects)

    @property
    def more_targets(self) -> bool:
        return self.figures.target_count > len(self.targets)


def link_page(*, user: User, pk: Any, params: QueryDict | None = None) -> LinkPage:
    """The link's figures and, through the lists' own selectors and FilterSets, its leads
    (``?stage=…&chain_role=…``), projects and targets; a fixed number of queries."""
    figures = link_figures(user=user, pk=pk)
    code = figures.link.code
    projects = project_list(
        user=user, filters=_query(chain_link=[code], status=list(MAP_STATUSES))
    ).qs.order_by("-total_investment", "id")
    targets = target_list(user=user, filters=_query(chain_link=[code])).qs
    return LinkPage(
        figures=figures,
        leads=lead_list(user=user, filters=_lead_filters(figures.link, params)),
        # the largest first, shown in the board's order of statuses
        projects=sorted(
            projects[:LINK_PAGE_LIMIT], key=lambda project: MAP_STATUSES.index(project.status)
        ),
        targets=list(targets[:LINK_PAGE_LIMIT]),
    )


def _query(**values: Iterable[str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, items in values.items():
        data.setlist(key, list(items))
    return data
