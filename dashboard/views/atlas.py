"""招商图谱: the chains and their links (``map/``), and one link's page (``map/links/<id>/``)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.access import reads_county
from dashboard.atlas import atlas_snapshot, link_page

LEADS_PER_PAGE = 20


@login_required
@require_GET
def atlas_page(request: HttpRequest) -> HttpResponse:
    """Each chain as a row of its links, each link with its figures; gaps outlined in red."""
    kept = atlas_snapshot(user=request.user, fresh=request.GET.get("fresh") == "1")
    chains = kept.value
    return render(
        request,
        "dashboard/atlas.html",
        {
            "chains": chains,
            "snapshot": kept,
            "query": urlencode([(k, v) for k, v in request.GET.items() if k != "fresh"]),
            "link_count": sum(len(row.links) for row in chains),
            "gap_count": sum(row.gap_count for row in chains),
            "targets_open": sum(row.targets_open for row in chains),
            "scoped": not reads_county(request.user),
        },
    )


@login_required
@require_GET
def atlas_link_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One link: its figures, its leads (narrowed by ``?stage=`` / ``?chain_role=``), its
    projects, its target enterprises and its local anchor enterprises."""
    page = link_page(user=request.user, pk=pk, params=request.GET)
    leads = Paginator(page.leads.qs, LEADS_PER_PAGE).get_page(request.GET.get("page"))
    link = page.figures.link
    narrowed = {key: request.GET.getlist(key) for key in ("stage", "chain_role")}
    return render(
        request,
        "dashboard/atlas_link.html",
        {
            "page": page,
            "figures": page.figures,
            "link": link,
            "leads": leads,
            "lead_filter_errors": page.leads.errors,
            "stage": request.GET.get("stage", ""),
            "chain_role": request.GET.get("chain_role", ""),
            "lead_list_query": urlencode(
                [("chain_link", link.code)]
                + [(key, value) for key, values in narrowed.items() for value in values],
            ),
            "scoped": not reads_county(request.user),
        },
    )
