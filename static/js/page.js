/* Behaviour every page shares, in a file because the Content-Security-Policy refuses inline
 * scripts and on* attributes (docs/architecture.md, "Security headers").
 *
 * - <form data-confirm="Question?">: asks before submitting (discharge, discontinue a course).
 * - <button data-print>: prints the page (handover).
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
