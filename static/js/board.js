/* 挂图作战: drag a card to another column to move the project (SortableJS + fetch).
 *
 * The rules live on the server. The page carries, per from → to pair, what the move asks for
 * (#move-requirements: needs_date, needs_amount, needs_reason); when it asks for anything, a
 * dialog collects it first. The POST answers JSON: {ok, card} puts the new card in place and
 * updates the column counts and totals; {ok: false, detail} puts the card back where it was and
 * shows why. Cancelling the dialog puts the card back too.
 */
(function () {
  "use strict";

  var board = document.getElementById("project-board");
  if (!board || !window.Sortable) { return; }
  var requirements = JSON.parse(document.getElementById("move-requirements").textContent);
  var labels = JSON.parse(document.getElementById("board-labels").textContent);
  var csrf = (document.body.getAttribute("hx-headers") || "").match(/"X-CSRFToken":\s*"([^"]+)"/);
  csrf = csrf ? csrf[1] : "";

  function message(text, kind) {
    var box = document.getElementById("messages");
    if (!box) { window.alert(text); return; }
    var div = document.createElement("div");
    div.className = "alert alert-" + (kind || "error");
    div.setAttribute("role", "status");
    var span = document.createElement("span");
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "alert-close";
    close.textContent = "×";
    close.addEventListener("click", function () { div.remove(); });
    div.appendChild(span);
    div.appendChild(close);
    box.appendChild(div);
    box.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }

  function formatWan(value) {
    var rounded = Math.round(value * 100) / 100;
    return rounded.toLocaleString("zh-CN", { maximumFractionDigits: 2 }) + " " + labels.unit;
  }

  function adjustColumn(status, countDelta, amountDelta) {
    var column = board.querySelector(".board-column[data-status='" + status + "']");
    if (!column) { return; }
    var count = column.querySelector("[data-count]");
    var n = parseInt(count.getAttribute("data-count"), 10) + countDelta;
    count.setAttribute("data-count", n);
    count.textContent = n;
    var total = column.querySelector("[data-total]");
    var t = parseFloat(total.getAttribute("data-total")) + amountDelta;
    total.setAttribute("data-total", t);
    total.querySelector("strong").textContent = formatWan(t);
  }

  function putBack(card, from, oldIndex) {
    var sibling = from.children[oldIndex] || null;
    if (sibling === card) { return; }
    from.insertBefore(card, sibling);
    card.classList.remove("is-refused");
    void card.offsetWidth;
    card.classList.add("is-refused");
  }

  function send(card, to, fields, onRefused) {
    var body = new URLSearchParams();
    body.set("to", to);
    body.set("version", card.getAttribute("data-version"));
    Object.keys(fields).forEach(function (key) { body.set(key, fields[key]); });
    card.classList.add("is-saving");
    return fetch(card.getAttribute("data-transition-url"), {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body,
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, detail: labels.failed }; });
    }).then(function (data) {
      card.classList.remove("is-saving");
      if (data.ok) {
        var from = card.getAttribute("data-status");
        var amount = parseFloat(card.getAttribute("data-amount")) || 0;
        var holder = document.createElement("div");
        holder.innerHTML = data.card.trim();
        var fresh = holder.firstElementChild;
        card.replaceWith(fresh);
        var newAmount = parseFloat(fresh.getAttribute("data-amount")) || 0;
        adjustColumn(from, -1, -amount);
        adjustColumn(data.status, 1, newAmount);
        return true;
      }
      onRefused(data.detail || labels.failed);
      return false;
    }).catch(function () {
      card.classList.remove("is-saving");
      onRefused(labels.failed);
      return false;
    });
  }

  function ask(card, to, needs, putBackCard) {
    var dialog = document.getElementById("dialog");
    var content = document.getElementById("dialog-content");
    content.innerHTML = "";
    content.appendChild(document.getElementById("move-dialog-template").content.cloneNode(true));
    var form = content.querySelector("form");
    var column = board.querySelector(".board-column[data-status='" + to + "']");
    form.querySelector("[data-title]").textContent =
      labels.moveTo + "「" + column.getAttribute("aria-label") + "」";
    form.querySelector("[data-project]").textContent = card.querySelector(".company").textContent;
    var map = { date: needs.needs_date, amount: needs.needs_amount, reason: needs.needs_reason };
    Object.keys(map).forEach(function (key) {
      var field = form.querySelector("[data-needs='" + key + "']");
      field.hidden = !map[key];
      field.querySelector("input, textarea").required = !!map[key];
    });
    var settled = false;
    function cancel() {
      if (!settled) { settled = true; putBackCard(); }
    }
    form.querySelector("[data-move-cancel]").addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", cancel, { once: true });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var fields = {};
      if (map.date) { fields.date = form.elements.date.value; }
      if (map.amount) { fields.signed_amount = form.elements.signed_amount.value; }
      if (map.reason) { fields.reason = form.elements.reason.value; }
      var error = form.querySelector(".move-error");
      send(card, to, fields, function (detail) {
        error.hidden = false;
        error.textContent = detail;
      }).then(function (ok) {
        if (ok) { settled = true; dialog.close(); }
      });
    });
    dialog.showModal();
    var first = form.querySelector(".field:not([hidden]) input, .field:not([hidden]) textarea");
    if (first) { first.focus(); }
  }

  board.querySelectorAll(".kanban-cards").forEach(function (list) {
    Sortable.create(list, {
      group: "projects",
      animation: 150,
      ghostClass: "is-ghost",
      // Pointer-event dragging: the same on mice, touch screens and the meeting-room display.
      forceFallback: true,
      draggable: ".project-card",
      onEnd: function (event) {
        if (event.from === event.to) { return; }
        var card = event.item;
        var from = card.getAttribute("data-status");
        var to = event.to.getAttribute("data-status");
        var putBackCard = function () { putBack(card, event.from, event.oldIndex); };
        var needs = (requirements[from] || {})[to] || {};
        if (needs.allowed && (needs.needs_date || needs.needs_amount || needs.needs_reason)) {
          ask(card, to, needs, putBackCard);
          return;
        }
        // Moves that need nothing, and moves the rules refuse: the server decides and says why.
        send(card, to, {}, function (detail) {
          putBackCard();
          message(detail, "error");
        });
      }
    });
  });
})();
