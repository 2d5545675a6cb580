/* The ward board refreshes itself through htmx polling (templates/board/_rows.html).
   This script only (1) marks the rows whose content changed at the last refresh, with a
   word as well as a colour, and (2) says so plainly when the board has stopped refreshing,
   so nobody reads a frozen board as a current one. No library, no network of its own. */
(function () {
  "use strict";
  var before = null;
  var lastRefresh = Date.now();

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
    rows().forEach(function (tr) {
      if (before[tr.id] !== tr.getAttribute("data-signature")) {
        tr.classList.add("row-changed");
        var cell = tr.querySelector("th");
        if (cell && !cell.querySelector(".changed-note")) {
          var note = document.createElement("span");
          note.className = "changed-note";
          note.textContent = "Changed";
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
