/* Both kanban boards on a phone: one column at a time, chosen by a row of stage tabs.
 *
 * For each [data-board], a .board-tabs row (role=tablist) is built before the first column's
 * parent: one button per .kanban-column, showing its title (h2) and its count (.kanban-count).
 * The columns not chosen get .is-tab-hidden, which app.css hides below 900 px only; on a wide
 * screen the tabs are hidden and every column shows. The first non-empty column is chosen
 * first; the choice survives the board's refresh after a move (the fragment is swapped whole).
 * Drag and drop stays as it is (board.js); on a phone the card's 移动 menu moves it.
 */
(function () {
  "use strict";

  var chosen = {};

  function key(column) {
    var cards = column.querySelector("[data-column]");
    return cards ? cards.getAttribute("data-column") : "";
  }

  function count(column) {
    var badge = column.querySelector(".kanban-count");
    return badge ? parseInt(badge.textContent, 10) || 0 : 0;
  }

  function show(board, wanted) {
    chosen[board.id] = wanted;
    board.querySelectorAll(".board-tab").forEach(function (tab) {
      var on = tab.getAttribute("data-tab") === wanted;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
    });
    board.querySelectorAll(".kanban-column").forEach(function (column) {
      column.classList.toggle("is-tab-hidden", key(column) !== wanted);
    });
  }

  function build(board) {
    var columns = Array.prototype.slice.call(board.querySelectorAll(".kanban-column"));
    if (!columns.length || board.querySelector(".board-tabs")) { return; }
    var list = document.createElement("div");
    list.className = "board-tabs";
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", document.documentElement.lang === "en" ? "Columns" : "看板列");
    columns.forEach(function (column) {
      var name = key(column);
      if (!column.id) { column.id = board.id + "-" + name; }
      column.setAttribute("role", "tabpanel");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.className = "board-tab";
      tab.id = column.id + "-tab";
      tab.setAttribute("role", "tab");
      tab.setAttribute("data-tab", name);
      tab.setAttribute("aria-controls", column.id);
      column.setAttribute("aria-labelledby", tab.id);
      var title = column.querySelector(".kanban-head h2");
      tab.appendChild(document.createTextNode(title ? title.textContent.trim() : name));
      var badge = document.createElement("span");
      badge.className = "kanban-count";
      badge.textContent = String(count(column));
      tab.appendChild(badge);
      list.appendChild(tab);
    });
    columns[0].parentNode.insertBefore(list, columns[0]);
    var keys = columns.map(key);
    var wanted = chosen[board.id];
    if (keys.indexOf(wanted) === -1) {
      var first = columns.filter(function (column) { return count(column) > 0; })[0];
      wanted = key(first || columns[0]);
    }
    show(board, wanted);
  }

  function buildAll() { document.querySelectorAll("[data-board][id]").forEach(build); }

  document.addEventListener("DOMContentLoaded", buildAll);
  document.addEventListener("htmx:afterSettle", buildAll);

  document.addEventListener("click", function (event) {
    var tab = event.target.closest(".board-tab");
    if (tab) { show(tab.closest("[data-board]"), tab.getAttribute("data-tab")); }
  });

  // Arrow keys move along the tabs, as in any tab list.
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest(".board-tab");
    if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) { return; }
    var next = event.key === "ArrowRight" ? tab.nextElementSibling : tab.previousElementSibling;
    if (!next) { return; }
    event.preventDefault();
    show(tab.closest("[data-board]"), next.getAttribute("data-tab"));
    next.focus();
  });
})();
