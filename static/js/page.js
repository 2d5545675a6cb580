/* Behaviour every page shares, in a file because the Content-Security-Policy refuses inline
 * scripts and on* attributes (docs/architecture.md, "Security headers").
 *
 * - <form data-confirm="Question?">: asks before submitting (discharge, discontinue a course).
 * - <button data-print>: prints the page (handover).
 * - Entries typed at the bedside and not yet sent (kept in this browser by bedside.js): the
 *   count in the header ([data-pending-count]) and the list ([data-pending-list]).
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

  function drafts() {
    var found = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key.indexOf("il2.draft.") === 0) found.push(JSON.parse(window.localStorage.getItem(key)));
      }
    } catch (e) { return []; }
    return found.sort(function (a, b) { return a.at < b.at ? 1 : -1; });
  }

  function showPending() {
    var pending = drafts();
    document.querySelectorAll("[data-pending-count]").forEach(function (link) {
      link.hidden = pending.length === 0;
      var count = link.querySelector("[data-count]");
      if (count) count.textContent = String(pending.length);
    });
    document.querySelectorAll("[data-pending-list]").forEach(function (section) {
      section.hidden = pending.length === 0;
      var list = section.querySelector("ul");
      list.textContent = "";
      pending.forEach(function (draft) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = draft.path;
        link.textContent = draft.title;
        item.appendChild(link);
        item.appendChild(document.createTextNode(" — typed " + new Date(draft.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false }) + ", not sent"));
        list.appendChild(item);
      });
    });
  }
  document.addEventListener("il2:drafts-changed", showPending);
  window.addEventListener("storage", showPending);
  document.addEventListener("DOMContentLoaded", showPending);
})();
