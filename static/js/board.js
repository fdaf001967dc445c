/* Both kanban boards (线索看板, 挂图作战): a drop sends the request the card's menu would send.
 *
 * The server renders everything and decides everything. A move answers the whole board
 * fragment (columns, counts, rates, standing lists), so a refused card is simply back in its
 * column; the outcome is a toast in the fragment, which this script pins next to the card.
 *
 * Markup (templates/crm/partials/_card_menu.html and the boards' partials):
 *   [data-board] #id data-origin data-filters data-url   the board fragment
 *   .kanban-cards[data-column=<status>]                  a column's drop zone
 *   [data-card] #id data-transition-url data-version data-dialog-moves="to to …"
 *   [data-toast] data-anchor=<card id>                   the outcome of the last move
 *   [data-board] data-menu-url                           a card's menu entries (?pk= the number
 *                                                        ending the card's id), asked for when
 *                                                        its details.card-menu first opens
 *   a[data-move-dialog]                                  a menu move that opens its dialog
 *
 * A drop on a move that asks for something first (data-dialog-moves) opens the server's
 * dialog; cancelling it reloads the board, which puts the card back.
 */
(function () {
  "use strict";

  var GAP = 8;

  function dialog() { return document.getElementById("dialog"); }

  function refresh(board) {
    var filters = board.getAttribute("data-filters");
    htmx.ajax("GET", board.getAttribute("data-url") + (filters ? "?" + filters : ""),
      { target: "#" + board.id, swap: "outerHTML" });
  }

  function move(card, to) {
    var board = card.closest("[data-board]");
    var params = {
      to: to,
      from: board.getAttribute("data-origin"),
      filters: board.getAttribute("data-filters") || "",
    };
    var url = card.getAttribute("data-transition-url");
    if ((card.getAttribute("data-dialog-moves") || "").split(" ").indexOf(to) !== -1) {
      dialog().setAttribute("data-drop-board", board.id);
      htmx.ajax("GET", url + "?" + new URLSearchParams(params).toString(),
        { target: "#dialog-content", swap: "innerHTML", source: card });
      return;
    }
    params.version = card.getAttribute("data-version");
    htmx.ajax("POST", url, { target: "#" + board.id, swap: "outerHTML", source: card, values: params });
  }

  function init(root) {
    root.querySelectorAll("[data-board] .kanban-cards[data-column]").forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = Sortable.create(list, {
        group: list.closest("[data-board]").id,
        sort: false,
        draggable: "[data-card]",
        // The menu and its buttons stay clickable; everything else on the card drags it.
        filter: ".card-menu",
        preventOnFilter: false,
        // Pointer events, not HTML5 drag: the title link drags the card instead of its URL,
        // the same on mice, touch screens and the meeting-room display.
        forceFallback: true,
        fallbackTolerance: 4,
        delay: 150,
        delayOnTouchOnly: true,
        animation: 120,
        ghostClass: "is-ghost",
        onEnd: function (event) {
          if (event.from === event.to) { return; }
          move(event.item, event.to.getAttribute("data-column"));
        },
      });
    });
  }

  // The toast sits beside its card: to the right, else to the left, else below; never under
  // the sticky top bar nor off screen.
  function place(toast) {
    var card = document.getElementById(toast.getAttribute("data-anchor"));
    if (!card) { return; }
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
    var topbar = document.querySelector(".topbar");
    var minTop = (topbar ? topbar.getBoundingClientRect().bottom : 0) + GAP;
    var r = card.getBoundingClientRect();
    var w = toast.offsetWidth;
    var h = toast.offsetHeight;
    var left = r.right + GAP;
    var top = r.top;
    if (left + w > window.innerWidth - GAP) { left = r.left - w - GAP; }
    if (left < GAP) {
      left = Math.min(Math.max(r.left, GAP), window.innerWidth - w - GAP);
      top = r.bottom + GAP;
    }
    toast.style.left = left + "px";
    toast.style.top = Math.max(minTop, Math.min(top, window.innerHeight - h - GAP)) + "px";
    toast.style.right = "auto";
    toast.classList.add("is-placed");
    // The swap took the focus with the old board: give it back to the card's menu.
    if (document.activeElement === document.body) {
      var summary = card.querySelector(".card-menu > summary");
      if (summary) { summary.focus({ preventScroll: true }); }
    }
    if (toast.classList.contains("board-toast-success")) {
      window.setTimeout(function () { toast.remove(); }, 5000);
    }
  }

  function settle() {
    init(document);
    document.querySelectorAll("[data-toast]:not(.is-placed)").forEach(place);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Sortable || !window.htmx) { return; }
    settle();
    document.addEventListener("htmx:afterSettle", settle);
  });

  // A request sent from the dialog that answers the board settles the drop; cancelling the
  // dialog of a drop (or a refusal answered there, then cancelled) reloads the board.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-board")) {
      dialog().removeAttribute("data-drop-board");
    }
  });
  document.addEventListener("close", function (event) {
    if (event.target !== dialog()) { return; }
    var pending = dialog().getAttribute("data-drop-board");
    dialog().removeAttribute("data-drop-board");
    var board = pending && document.getElementById(pending);
    if (board) { refresh(board); }
  }, true);

  // A card's menu asks the board's data-menu-url for its entries when it first opens, with
  // the card's version as the board showed it (a record changed meanwhile is refused).
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("[data-card] details.card-menu") || !menu.open) { return; }
    if (menu.hasAttribute("data-menu-loaded")) { return; }
    menu.setAttribute("data-menu-loaded", "");
    var card = menu.closest("[data-card]");
    var board = card.closest("[data-board]");
    var params = new URLSearchParams({
      pk: card.id.split("-").pop(),
      version: card.getAttribute("data-version"),
      from: board.getAttribute("data-origin"),
      filters: board.getAttribute("data-filters") || "",
    });
    htmx.ajax("GET", board.getAttribute("data-menu-url") + "?" + params.toString(),
      { target: menu.querySelector(".card-menu-items"), swap: "innerHTML", source: menu });
  }, true);

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-toast-close]");
    if (close) { close.closest("[data-toast]").remove(); return; }
    // A menu move that asks for something first opens its dialog (its page without script).
    var ask = event.target.closest("[data-board] a[data-move-dialog]");
    if (ask && window.htmx) {
      event.preventDefault();
      htmx.ajax("GET", ask.getAttribute("href"),
        { target: "#dialog-content", swap: "innerHTML", source: ask });
      return;
    }
    // One card menu open at a time; a click elsewhere closes it.
    document.querySelectorAll(".card-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest(".card-menu[open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });
})();
