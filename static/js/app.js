/* Small behaviours on top of htmx: the shared <dialog>, flash messages, filter bars.
 *
 * - Any element swapped into #dialog-content opens the dialog; [data-dialog-close] closes it.
 * - When a form inside the dialog has its answer, the dialog closes, unless the answer is
 *   the dialog again (a refusal shown inside it: HX-Retarget #dialog-content).
 * - Filter bars (.filter-bar) leave empty fields out of the request and the pushed URL.
 * - [data-dismiss-alert] removes its flash message.
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
