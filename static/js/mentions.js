/* The "@" menu of a comment box (templates/crm/partials/_comments.html).
 *
 * Typing "@" in a textarea with [data-mention-url] asks that URL (?q=what follows the "@") for
 * the people who see the record, and lists them under the box; arrow keys move, Enter or Tab
 * (or a click) inserts "@姓名 ", Escape closes. An "@" right after a letter or digit (an email
 * address) opens nothing. Listeners sit on the document, so a box that htmx swaps in (after a
 * refused comment) works too. No inline script or handler: the Content-Security-Policy forbids it.
 */
(function () {
  "use strict";

  var TOKEN = /(?:^|[^0-9A-Za-z_.\-@])@([^\s@]{0,30})$/;
  var english = document.documentElement.lang === "en";
  var timer = null;
  var sequence = 0;

  function menuOf(box) {
    return box.parentElement ? box.parentElement.querySelector(".mention-menu") : null;
  }

  function tokenBefore(box) {
    var match = TOKEN.exec(box.value.slice(0, box.selectionStart));
    return match ? match[1] : null;
  }

  function close(box) {
    var menu = menuOf(box);
    if (menu) {
      menu.hidden = true;
      menu.textContent = "";
    }
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }

  function options(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll(".mention-option"));
  }

  function activate(box, menu, index) {
    var items = options(menu);
    items.forEach(function (item, position) {
      var active = position === index;
      item.classList.toggle("is-active", active);
      item.setAttribute("aria-selected", active ? "true" : "false");
      if (active) {
        box.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function render(box, people) {
    var menu = menuOf(box);
    if (!menu) { return; }
    menu.textContent = "";
    if (!people.length) {
      var empty = document.createElement("li");
      empty.className = "mention-empty";
      empty.textContent = english ? "Nobody who can see this record matches" : "没有匹配的同事（只能提醒能看到这条记录的人）";
      menu.appendChild(empty);
    }
    people.forEach(function (person, index) {
      var item = document.createElement("li");
      item.className = "mention-option";
      item.id = "mention-option-" + index;
      item.setAttribute("role", "option");
      item.dataset.insert = person.insert;
      var name = document.createElement("span");
      name.textContent = person.name;
      var username = document.createElement("small");
      username.textContent = person.username;
      item.appendChild(name);
      item.appendChild(username);
      menu.appendChild(item);
    });
    menu.hidden = false;
    box.setAttribute("aria-expanded", "true");
    if (people.length) { activate(box, menu, 0); }
  }

  function ask(box, query) {
    var mine = ++sequence;
    var url = box.dataset.mentionUrl + "?q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        // Only the answer to the latest question, and only while the "@" is still there.
        if (mine === sequence && tokenBefore(box) !== null) { render(box, data.results || []); }
      })
      .catch(function () { close(box); });
  }

  function choose(box, item) {
    var caret = box.selectionStart;
    var before = box.value.slice(0, caret);
    var query = tokenBefore(box);
    if (query === null) { return; }
    var start = before.length - query.length;
    var inserted = item.dataset.insert + " ";
    box.value = before.slice(0, start) + inserted + box.value.slice(caret);
    var position = start + inserted.length;
    box.setSelectionRange(position, position);
    close(box);
    box.focus();
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[data-mention-url]")) { return; }
    var query = tokenBefore(box);
    window.clearTimeout(timer);
    if (query === null) {
      close(box);
      return;
    }
    timer = window.setTimeout(function () { ask(box, query); }, 150);
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[data-mention-url]")) { return; }
    var menu = menuOf(box);
    if (!menu || menu.hidden) { return; }
    var items = options(menu);
    var index = items.findIndex(function (item) { return item.classList.contains("is-active"); });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) { return; }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate(box, menu, (index + step + items.length) % items.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && index >= 0) {
      event.preventDefault();
      choose(box, items[index]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(box);
    }
  });

  // mousedown, not click: the textarea keeps its focus and its caret.
  document.addEventListener("mousedown", function (event) {
    var item = event.target.closest && event.target.closest(".mention-option");
    if (!item) { return; }
    var box = item.closest(".mention-field").querySelector("textarea[data-mention-url]");
    event.preventDefault();
    choose(box, item);
  });

  document.addEventListener("focusout", function (event) {
    var box = event.target;
    if (box.matches && box.matches("textarea[data-mention-url]")) { close(box); }
  });
})();
