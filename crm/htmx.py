"""htmx answers shared by every app, and the pieces both kanban boards are built from.

django-htmx's ``HtmxMiddleware`` gives every request ``request.htmx``. A view that can answer
either a whole page or a fragment of it calls ``render_partial_or_page`` (NetBox keeps the same
helper in ``utilities/htmx.py``); a view that only ever answers a fragment to htmx calls
``render_fragment``. Both mark the response ``Vary: HX-Request``: the same URL answers two
different bodies, and a cache must not hand the fragment to a full page load or the reverse.

The lead pipeline and the 挂图作战 board share one idiom: the server renders the board, a move
(from a card's menu or by a drop, which ``static/js/board.js`` turns into the same request)
answers the board again, and the outcome is a ``BoardToast`` shown next to the card moved.
Each card's menu lists ``CardMove`` entries, the closed ones with the reason.
"""

from dataclasses import dataclass
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import reswap, retarget


def is_fragment_request(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment (a boosted link or a history restore wants a page)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_fragment(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    target: str | None = None,
) -> HttpResponse:
    """Render ``template``; ``target`` (a CSS selector) swaps the answer into another element
    than the one the request came from (a refused dialog answers the dialog, not the board).
    """
    response = render(request, template, context, status=status)
    if target:
        retarget(response, target)
        reswap(response, "innerHTML")
    patch_vary_headers(response, ("HX-Request",))
    return response


def render_partial_or_page(
    request: HttpRequest, *, page: str, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The partial for an htmx request, the whole page otherwise, with ``Vary: HX-Request``."""
    template = partial if is_fragment_request(request) else page
    return render_fragment(request, template, context, status=status)


@dataclass(frozen=True)
class CardMove:
    """One entry of a board card's move menu.

    ``problem`` is why the move is closed now (shown greyed with the reason), ``None`` when it
    is open; ``needs_dialog`` opens the move's dialog (a date, an amount, a reason) first.
    """

    to: str
    text: str
    problem: str | None = None
    needs_dialog: bool = False


@dataclass(frozen=True)
class BoardToast:
    """The outcome of a move, shown fixed on screen next to the card it is about."""

    text: str
    level: Literal["success", "error"]
    anchor: str
