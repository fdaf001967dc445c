/* The global search box in the top bar (templates/base.html, crm/search_views.py).
 *
 * - htmx fetches the dropdown (/search/suggest/?q=) while typing; this file shows and hides it.
 * - "/" (when not typing elsewhere) or Ctrl+K / ⌘+K focuses the box.
 * - ArrowDown / ArrowUp move through the dropdown's results (.search-option), Enter opens the
 *   one chosen; Enter with none chosen submits the box: the full results page (/search/).
 * - Esc closes the dropdown (a second Esc leaves the box); so does a click outside it.
 * No template has inline script or event handlers (Content-Security-Policy): behaviour goes here.
 */
(function () {
  "use strict";

  function form() { return document.querySelector("[data-global-search]"); }
  function box() { var f = form(); return f ? f.querySelector("input[name=q]") : null; }
  function dropdown() { return document.getElementById("global-search-results"); }
  function options() {
    var d = dropdown();
    return d ? Array.prototype.slice.call(d.querySelectorAll(".search-option")) : [];
  }

  function activeIndex() {
    return options().findIndex(function (option) { return option.classList.contains("is-active"); });
  }

  function setActive(index) {
    var all = options();
    var input = box();
    all.forEach(function (option, i) {
      var on = i === index;
      option.classList.toggle("is-active", on);
      option.setAttribute("aria-selected", on ? "true" : "false");
      if (on) { option.scrollIntoView({ block: "nearest" }); }
    });
    if (!input) { return; }
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function isOpen() {
    var d = dropdown();
    return Boolean(d && !d.hidden);
  }

  function open() {
    var d = dropdown();
    var input = box();
    if (!d || !input || !d.innerHTML.trim() || !input.value.trim()) { return; }
    d.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    var d = dropdown();
    var input = box();
    if (d) { d.hidden = true; }
    if (input) { input.setAttribute("aria-expanded", "false"); }
    setActive(-1);
  }

  function typingElsewhere(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  // A fresh answer: show it (or nothing, for an emptied box) with no result chosen yet.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== dropdown()) { return; }
    setActive(-1);
    if (dropdown().innerHTML.trim() && box() === document.activeElement) { open(); } else { close(); }
  });

  document.addEventListener("keydown", function (event) {
    var input = box();
    if (!input) { return; }
    var shortcut = (event.key === "k" || event.key === "K") && (event.ctrlKey || event.metaKey);
    var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey &&
      !typingElsewhere(event.target);
    if (shortcut || slash) {
      if (document.querySelector("dialog[open]")) { return; }
      event.preventDefault();
      input.focus();
      input.select();
      open();
      return;
    }
    if (event.target !== input) { return; }
    var all = options();
    var index = activeIndex();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) { return; }
      event.preventDefault();
      open();
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive(index < 0 ? (step > 0 ? 0 : all.length - 1) : (index + step + all.length) % all.length);
    } else if (event.key === "Enter" && isOpen() && index >= 0) {
      event.preventDefault();
      window.location.assign(all[index].href);
    } else if (event.key === "Escape") {
      if (isOpen()) {
        event.preventDefault();
        event.stopPropagation();
        close();
      } else {
        input.blur();
      }
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target === box()) { open(); }
  });

  document.addEventListener("click", function (event) {
    var f = form();
    if (f && !f.contains(event.target)) { close(); }
  });
})();
