/* The ward board refreshes itself through htmx polling (templates/board/_rows.html).
   This script only (1) marks the rows whose content changed at the last refresh, with a
   word as well as a colour, and (2) says so plainly when the board has stopped refreshing,
   so nobody reads a frozen board as a current one. No library, no network of its own. */
(function () {
  "use strict";
  var before = null;
  var lastRefresh = Date.now();
  // A row stays marked "Changed" for this long after its content changed, across the
  // refreshes in between, so a reader who looks away still sees it (issue 14 item 6).
  var CHANGED_FOR_MS = 2 * 60 * 1000;
  var changedAt = {};

  function rows() {
    return document.querySelectorAll("#board-rows tr[data-signature]");
  }

  function signatures() {
    var seen = {};
    rows().forEach(function (tr) { seen[tr.id] = tr.getAttribute("data-signature"); });
    return seen;
  }

  function refreshSeconds() {
    var status = document.getElementById("board-status");
    return (status && parseInt(status.getAttribute("data-refresh"), 10)) || 30;
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board-rows") {
      before = signatures();
    }
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    if (before === null) { return; }
    var now = Date.now();
    rows().forEach(function (tr) {
      if (before[tr.id] !== tr.getAttribute("data-signature")) changedAt[tr.id] = now;
      if (changedAt[tr.id] && now - changedAt[tr.id] < CHANGED_FOR_MS) {
        tr.classList.add("row-changed");
        var cell = tr.querySelector("th");
        if (cell && !cell.querySelector(".changed-note")) {
          var note = document.createElement("span");
          note.className = "changed-note";
          var at = new Date(changedAt[tr.id]);
          note.textContent = "Changed " + String(at.getHours()).padStart(2, "0") + ":" +
            String(at.getMinutes()).padStart(2, "0");
          cell.appendChild(note);
        }
      }
    });
    before = null;
    lastRefresh = Date.now();
    var stale = document.getElementById("board-stale");
    if (stale) { stale.hidden = true; }
  });

  window.setInterval(function () {
    var stale = document.getElementById("board-stale");
    var status = document.getElementById("board-status");
    if (!stale || !status) { return; }
    if (Date.now() - lastRefresh > (2 * refreshSeconds() + 10) * 1000) {
      var shown = status.querySelector("time");
      stale.querySelector("time").textContent = shown ? shown.textContent : "";
      stale.hidden = false;
    }
  }, 5000);
})();
