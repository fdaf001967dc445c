/* 周报 / 月报 page: the 打印 button and the chooser that shows the report as soon as a choice
 * changes. No template has inline script or event handlers (Content-Security-Policy).
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.matches("select, input")) {
      form.submit();
    }
  });
})();
