/* Small behaviours on top of htmx: the shared <dialog>, flash messages, pipeline drag & drop.
 *
 * - Any element swapped into #dialog-content opens the dialog; [data-dialog-close] closes it.
 * - After a form inside the dialog is sent, the dialog closes.
 * - Filter bars (.filter-bar) leave empty fields out of the request and the pushed URL.
 * - Pipeline: cards ([data-card]) can be dragged between columns ([data-stage]); the drop
 *   posts the move (or asks for a reason first). The server answers with the whole board, so a
 *   refused move puts the card back where it was.
 */
(function () {
  "use strict";

  function dialog() { return document.getElementById("dialog"); }

  function closeDialog() {
    var d = dialog();
    if (d && d.open) { d.close(); }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "dialog-content") {
      var d = dialog();
      if (d && !d.open) { d.showModal(); }
      var first = d.querySelector("textarea, input:not([type=hidden]), select");
      if (first) { first.focus(); }
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.closest && form.closest("#dialog") && form.tagName === "FORM") {
      closeDialog();
    }
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      event.preventDefault();
      closeDialog();
      var board = document.getElementById("pipeline-board");
      if (board && closer.hasAttribute("data-refresh-board")) { refreshBoard(); }
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("messages");
    if (!box) { return; }
    var div = document.createElement("div");
    div.className = "alert alert-error";
    div.textContent = (document.documentElement.lang === "en")
      ? "The request failed (" + event.detail.xhr.status + "). Please reload the page."
      : "操作未完成（" + event.detail.xhr.status + "），请刷新页面后重试。";
    box.appendChild(div);
  });

  // Filter bars send only the filters that are set, so the URL pushed to history stays short.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.classList || !elt.classList.contains("filter-bar")) { return; }
    var params = event.detail.parameters;
    var empty = [];
    if (typeof params.forEach === "function") {
      params.forEach(function (value, key) { if (value === "") { empty.push(key); } });
    } else {
      Object.keys(params).forEach(function (key) { if (params[key] === "") { empty.push(key); } });
    }
    empty.forEach(function (key) { delete params[key]; });
  });

  /* --- pipeline board ------------------------------------------------------------------- */

  function boardFilters() {
    var board = document.getElementById("pipeline-board");
    return board ? (board.getAttribute("data-filters") || "") : "";
  }

  function refreshBoard() {
    var board = document.getElementById("pipeline-board");
    if (!board || !window.htmx) { return; }
    htmx.ajax("GET", board.getAttribute("data-url") + "?" + boardFilters(),
      { target: "#pipeline-board", swap: "outerHTML" });
  }

  function moveCard(card, toStage) {
    var reasonMoves = (card.getAttribute("data-reason-moves") || "").split(" ");
    var url = card.getAttribute("data-transition-url");
    if (reasonMoves.indexOf(toStage) !== -1) {
      var query = "?to=" + encodeURIComponent(toStage) + "&from=pipeline&filters=" +
        encodeURIComponent(boardFilters());
      htmx.ajax("GET", url + query, { target: "#dialog-content", source: card });
      return;
    }
    htmx.ajax("POST", url, {
      target: "#pipeline-board",
      swap: "outerHTML",
      source: card,
      values: {
        to: toStage,
        version: card.getAttribute("data-version"),
        from: "pipeline",
        filters: boardFilters(),
      },
    });
  }

  function initBoard(root) {
    if (!window.Sortable) { return; }
    var lists = (root || document).querySelectorAll("[data-stage] .kanban-cards");
    lists.forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = Sortable.create(list, {
        group: "pipeline",
        sort: false,
        animation: 120,
        draggable: "[data-card]",
        filter: "button, a, summary, details",
        preventOnFilter: false,
        ghostClass: "is-ghost",
        onEnd: function (event) {
          if (event.from === event.to) { return; }
          var toStage = event.to.closest("[data-stage]").getAttribute("data-stage");
          moveCard(event.item, toStage);
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initBoard(document); });
  document.addEventListener("htmx:load", function (event) { initBoard(event.detail.elt); });
  document.addEventListener("close", function (event) {
    // Cancelling the reason dialog after a drag puts the card back.
    if (event.target && event.target.id === "dialog" && document.getElementById("pipeline-board")
        && dialog().getAttribute("data-sent") !== "1") {
      refreshBoard();
    }
    if (event.target && event.target.id === "dialog") { dialog().removeAttribute("data-sent"); }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("#dialog")) {
      dialog().setAttribute("data-sent", "1");
    }
  }, true);
})();
