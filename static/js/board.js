/* The ward board refreshes itself through htmx polling (templates/board/_rows.html): each poll
   sends the board's token and gets back only the rows that changed, as out-of-band swaps
   (therapy/pages/board_cache.py). This script only
   (1) writes the relative times ("in 4 hours", "54 minutes ago") from each row's absolute
       times, now and every 30 s: the server's rows say nothing about the present moment, so
       that a row is rendered once per state version;
   (2) puts the rows in the order a poll sent when rows moved (risk order), keeping focus;
   (3) marks the rows whose content changed at a refresh, with a word as well as a colour;
   (4) says so plainly when the board has stopped refreshing, so nobody reads a frozen board as
       a current one. No library, no network of its own. */
(function () {
  "use strict";
  var before = null;
  var lastRefresh = Date.now();
  // A row stays marked "Changed" for this long after its content changed, across the
  // refreshes in between, so a reader who looks away still sees it (issue 14 item 6).
  var CHANGED_FOR_MS = 2 * 60 * 1000;
  var changedAt = {};
  var UNITS = [
    [365 * 24 * 3600, "year"], [30 * 24 * 3600, "month"], [7 * 24 * 3600, "week"],
    [24 * 3600, "day"], [3600, "hour"], [60, "minute"]
  ];

  // Django's timesince: at most two adjacent units, "0 minutes" under a minute.
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    for (var i = 0; i < UNITS.length; i++) {
      var count = Math.floor(seconds / UNITS[i][0]);
      if (count > 0) {
        var words = count + "\u00a0" + UNITS[i][1] + (count === 1 ? "" : "s");
        if (i + 1 < UNITS.length) {
          var rest = Math.floor((seconds - count * UNITS[i][0]) / UNITS[i + 1][0]);
          if (rest > 0) {
            words += ", " + rest + "\u00a0" + UNITS[i + 1][1] + (rest === 1 ? "" : "s");
          }
        }
        return words;
      }
    }
    return "0\u00a0minutes";
  }

  function writeRelativeTimes(root) {
    var now = Date.now();
    (root || document).querySelectorAll(".relative[data-at]").forEach(function (span) {
      var at = Date.parse(span.getAttribute("data-at"));
      if (isNaN(at)) { return; }
      var seconds = (now - at) / 1000;
      var text;
      if (span.getAttribute("data-relative") === "for") {
        text = duration(seconds);
      } else {
        text = seconds < 0 ? "in " + duration(-seconds) : duration(seconds) + " ago";
      }
      if (span.textContent !== text) { span.textContent = text; }
    });
  }

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

  function applyOrder() {
    var holder = document.getElementById("board-order");
    var body = document.getElementById("board-rows");
    var wanted = holder && holder.getAttribute("data-order");
    if (!wanted || !body) { return; }
    holder.removeAttribute("data-order");
    var ids = wanted.split(" ").map(function (id) { return "row-" + id; });
    var shown = Array.prototype.map.call(rows(), function (tr) { return tr.id; });
    if (ids.join(" ") === shown.join(" ")) { return; }
    var focused = document.activeElement;
    ids.forEach(function (id) {
      var tr = document.getElementById(id);
      if (tr) { body.appendChild(tr); }
    });
    // Moving a row takes focus from a link in it: give it back, without scrolling.
    if (focused && focused !== document.activeElement && document.body.contains(focused)) {
      focused.focus({ preventScroll: true });
    }
  }

  function markChanges() {
    var now = Date.now();
    rows().forEach(function (tr) {
      if (before[tr.id] !== tr.getAttribute("data-signature")) { changedAt[tr.id] = now; }
      var note = tr.querySelector("th .changed-note");
      if (changedAt[tr.id] && now - changedAt[tr.id] < CHANGED_FOR_MS) {
        tr.classList.add("row-changed");
        var cell = tr.querySelector("th");
        if (cell && !note) {
          note = document.createElement("span");
          note.className = "changed-note";
          var at = new Date(changedAt[tr.id]);
          note.textContent = "Changed " + String(at.getHours()).padStart(2, "0") + ":" +
            String(at.getMinutes()).padStart(2, "0");
          cell.appendChild(note);
        }
      } else {
        // A row a poll did not resend keeps its note: take it off once its time is up.
        tr.classList.remove("row-changed");
        if (note) { note.remove(); }
        delete changedAt[tr.id];
      }
    });
  }

  // A row a poll sends arrives with its relative times blank: write them at once, before the
  // browser lays the page out with a shorter row (which would move the reader's scroll).
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.target && event.target.querySelectorAll) { writeRelativeTimes(event.target); }
  });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board-rows") {
      before = signatures();
    }
  });

  // Every poll's answer swaps the status line (out of band); once it has settled, so have
  // the rows the same answer sent.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (before === null || !event.target || event.target.id !== "board-status") { return; }
    applyOrder();
    markChanges();
    writeRelativeTimes();
    before = null;
    lastRefresh = Date.now();
    var stale = document.getElementById("board-stale");
    if (stale) { stale.hidden = true; }
  });

  writeRelativeTimes();
  window.setInterval(function () { writeRelativeTimes(); }, 30 * 1000);

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
