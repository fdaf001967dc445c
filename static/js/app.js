/* Small behaviours on top of htmx: the shared <dialog>, flash messages, filter bars.
 *
 * - Any element swapped into #dialog-content opens the dialog; [data-dialog-close] closes it.
 * - When a form inside the dialog has its answer, the dialog closes, unless the answer is
 *   the dialog again (a refusal shown inside it: HX-Retarget #dialog-content).
 * - Filter bars (.filter-bar) leave empty fields out of the request and the pushed URL.
 * - [data-dismiss-alert] removes its flash message.
 * - [data-sticky-for=<id>] hides while that element (a form's card) is on screen;
 *   a[data-focus] focuses the field it names after jumping.
 * - Below 900 px the sidebar is an off-canvas menu: the top bar's .nav-toggle opens it; the
 *   toggle again, [data-nav-close], Esc or a tap outside it closes it.
 * - Both kanban boards: static/js/board.js.
 * No template has inline script or event handlers (Content-Security-Policy): behaviour goes here.
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

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.closest && form.closest("#dialog") && form.tagName === "FORM" &&
        event.detail.xhr.getResponseHeader("HX-Retarget") !== "#dialog-content") {
      closeDialog();
    }
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      event.preventDefault();
      closeDialog();
    }
    // A flash message's close button (no inline onclick: the Content-Security-Policy forbids it).
    var dismiss = event.target.closest("[data-dismiss-alert]");
    if (dismiss && dismiss.parentElement) { dismiss.parentElement.remove(); }
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

  // The phone menu: state on the toggle (aria-expanded) and the body (.nav-open, which also
  // dims the page and stops it scrolling under the menu).
  function navToggle() { return document.querySelector(".nav-toggle"); }

  function setNav(open) {
    var toggle = navToggle();
    var sidebar = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!sidebar) { return; }
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    sidebar.classList.toggle("is-open", open);
    document.body.classList.toggle("nav-open", open);
    if (open) {
      var current = sidebar.querySelector(".nav-link.is-active") || sidebar.querySelector(".nav-link");
      if (current) { current.focus(); }
    } else if (sidebar.contains(document.activeElement)) {
      toggle.focus();
    }
  }

  function navIsOpen() { return document.body.classList.contains("nav-open"); }

  document.addEventListener("click", function (event) {
    if (event.target.closest(".nav-toggle")) { setNav(!navIsOpen()); return; }
    if (!navIsOpen()) { return; }
    if (event.target.closest("[data-nav-close]") || !event.target.closest(".sidebar")) {
      setNav(false);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && navIsOpen()) { setNav(false); }
  });

  // Widened past the phone breakpoint with the menu open: the sidebar is back in the layout.
  var desktop = window.matchMedia("(min-width: 901px)");
  var onWiden = function (query) { if (query.matches && navIsOpen()) { setNav(false); } };
  if (desktop.addEventListener) { desktop.addEventListener("change", onWiden); }

  // A sticky bar for a form further down (the lead page's 记录跟进 on a phone): it steps aside
  // while the form is on screen; its link lands in the form ready to type.
  function watchStickyBars() {
    if (!("IntersectionObserver" in window)) { return; }
    document.querySelectorAll("[data-sticky-for]").forEach(function (bar) {
      var target = document.getElementById(bar.getAttribute("data-sticky-for"));
      if (!target) { return; }
      new IntersectionObserver(function (entries) {
        bar.classList.toggle("is-covered", entries[0].isIntersecting);
      }).observe(target);
    });
  }
  document.addEventListener("DOMContentLoaded", watchStickyBars);

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-focus]");
    var field = link && document.querySelector(link.getAttribute("data-focus"));
    if (field) { window.setTimeout(function () { field.focus(); }, 0); }
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
})();
