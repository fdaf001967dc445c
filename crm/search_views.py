"""The global search: ``/search/?q=`` lists, by kind, what the reader sees that matches;
``/search/suggest/?q=`` answers the top bar's dropdown (``static/js/search.js``) with the same
results, fewer of each kind.

Each kind is searched by its own list's FilterSet (``crm.registry.search_sources``), so a kind's
count is its list's count under the same ``q`` and 「查看全部」 opens that list.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.htmx import render_fragment
from crm.registry import search_sources
from crm.search import SCAN_LIMIT, is_scan, query_problem

# How many records of each kind the page and the dropdown show.
PAGE_HITS = 10
SUGGEST_HITS = 5


def _context(request: HttpRequest, limit: int, *, scan: bool = True) -> dict:
    """What the page and the dropdown show; without ``scan``, a query of one-character words
    (``crm.search.is_scan``, which reads every row of every kind) is not run."""
    query = request.GET.get("q", "").strip()
    problem = query_problem(query)
    waits = not problem and not scan and is_scan(query)
    searched = not problem and not waits
    results = search_sources.search(user=request.user, query=query, limit=limit) if searched else []
    return {
        "query": query,
        "problem": problem,
        "waits": waits,
        "results": results,
        "found": any(result.total for result in results),
        # A search of one-character words found more than it counts (``crm.search.SCAN_LIMIT``).
        "limited": any(result.limited for result in results),
        "scan_limit": SCAN_LIMIT,
    }


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The results page: every kind with its count, its first records and its list."""
    return render(request, "crm/search.html", _context(request, PAGE_HITS))


@login_required
@require_GET
def search_suggest(request: HttpRequest) -> HttpResponse:
    """The dropdown under the top bar's box; nothing at all while the box is empty. It answers
    while the user types, so a first character alone waits for the second (Enter still runs
    it on the page)."""
    context = _context(request, SUGGEST_HITS, scan=False)
    context["empty"] = not context["query"]
    return render_fragment(request, "crm/search_dropdown.html", context)
