/* Bedside entry on tablets (docs/bedside-entry.md). No framework; htmx posts the forms.
 *
 * - °C/°F and kg/lb toggles: the nurse types in either unit; the form always sends °C and kg
 *   (the API never converts units). The choice is remembered on this tablet.
 * - The oxygen flow appears only for a device that needs it; vasopressor doses only when
 *   vasopressors are running. A hidden input is disabled, so it is not sent.
 * - A failed save (no network, timeout) keeps the form as typed and retries with the same
 *   client_id, so the server stores the entry once however many attempts reach it.
 * - Any other answer than a success, 400 (the form with its messages) or 409 (a conflict, in
 *   words) — a 500, a proxy's 502, a login page after the session expired — is "Not saved":
 *   the form stays as typed and Retry sends the same entry (same client_id) again.
 * - The server asks to confirm alarming values; the confirmation is kept for a retry.
 */
(function () {
  "use strict";

  var UNITS = {
    temperature: {
      base: "c",
      labels: { c: "°C", f: "°F" },
      toBase: function (value, unit) { return unit === "f" ? (value - 32) * 5 / 9 : value; },
      fromBase: function (value, unit) { return unit === "f" ? value * 9 / 5 + 32 : value; },
    },
    weight: {
      base: "kg",
      labels: { kg: "kg", lb: "lb" },
      toBase: function (value, unit) { return unit === "lb" ? value * 0.45359237 : value; },
      fromBase: function (value, unit) { return unit === "lb" ? value / 0.45359237 : value; },
    },
  };
  var RETRY_DELAYS = [3, 5, 10, 20, 30]; // seconds; then every 30 s until it goes through

  function oneDecimal(value) {
    return (Math.round(value * 10) / 10).toFixed(1);
  }

  function parseNumber(text) {
    var cleaned = String(text).trim().replace(",", ".");
    if (cleaned === "" || !/^-?\d+(\.\d+)?$/.test(cleaned)) return null;
    return parseFloat(cleaned);
  }

  function storedUnit(kind) {
    try { return window.localStorage.getItem("il2.unit." + kind); } catch (e) { return null; }
  }

  function storeUnit(kind, unit) {
    try { window.localStorage.setItem("il2.unit." + kind, unit); } catch (e) { /* private mode */ }
  }

  /* The visible input takes the nurse's unit; a hidden twin carries the base unit. */
  function setUpUnitField(field) {
    var kind = field.getAttribute("data-unit-field");
    var spec = UNITS[kind];
    var visible = field.querySelector("input");
    var toggle = field.querySelector("[data-unit-toggle]");
    var label = field.querySelector("[data-unit-label]");
    var converted = field.querySelector("[data-converted]");
    if (!spec || !visible || !toggle || visible.dataset.enhanced) return;
    visible.dataset.enhanced = "1";
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = visible.name;
    hidden.value = visible.value;
    hidden.setAttribute("data-base-value", kind);
    visible.removeAttribute("name");
    visible.insertAdjacentElement("afterend", hidden);
    toggle.hidden = false;
    if (label) label.hidden = true;
    var unit = spec.base;

    function sync() {
      var number = parseNumber(visible.value);
      if (number === null || unit === spec.base) {
        hidden.value = number === null ? visible.value.trim() : String(number);
        converted.hidden = true;
        return;
      }
      hidden.value = oneDecimal(spec.toBase(number, unit));
      converted.textContent = "Saved as " + hidden.value + " " + spec.labels[spec.base];
      converted.hidden = false;
    }

    function choose(next, convertShown) {
      var number = parseNumber(visible.value);
      if (convertShown && number !== null && next !== unit) {
        var base = spec.toBase(number, unit);
        visible.value = next === spec.base ? oneDecimal(base) : oneDecimal(spec.fromBase(base, next));
      }
      unit = next;
      toggle.querySelectorAll("[data-unit]").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-unit") === unit));
      });
      visible.setAttribute("aria-description", "in " + spec.labels[unit]);
      sync();
    }

    toggle.addEventListener("click", function (event) {
      var button = event.target.closest("[data-unit]");
      if (!button) return;
      storeUnit(kind, button.getAttribute("data-unit"));
      choose(button.getAttribute("data-unit"), true);
    });
    visible.addEventListener("input", sync);
    var preferred = storedUnit(kind);
    choose(preferred && spec.labels[preferred] ? preferred : spec.base, true);
  }

  function show(element, visible) {
    if (!element) return;
    element.hidden = !visible;
    element.querySelectorAll("input, select").forEach(function (input) {
      input.disabled = !visible;
    });
  }

  function checkedValue(form, name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function setUpOxygen(form) {
    var flow = form.querySelector("[data-flow-field]");
    if (!flow) return;
    var comfort = form.querySelector("[data-comfort-field]");
    var withoutFlow = (form.getAttribute("data-devices-without-flow") || "").split(" ");
    function update() {
      var device = checkedValue(form, "oxygen_device");
      show(flow, device !== "" && withoutFlow.indexOf(device) === -1);
      // Oxygen for comfort only means something with supplemental oxygen (§2 (v2)).
      show(comfort, device !== "" && device !== "room_air");
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "oxygen_device") update();
    });
    update();
  }

  function setUpVasopressors(form) {
    var rows = form.querySelector("[data-vasopressor-rows]");
    if (!rows) return;
    function update() {
      show(rows, checkedValue(form, "vasopressors_running") === "running");
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "vasopressors_running") update();
    });
    update();
  }

  function setUpQuickPeriods(form) {
    var quick = form.querySelector("[data-quick-periods]");
    var start = form.querySelector('input[name="period_start"]');
    var end = form.querySelector('input[name="period_end"]');
    if (!quick || !start || !end) return;
    quick.hidden = false;
    quick.addEventListener("click", function (event) {
      var button = event.target.closest("[data-hours]");
      if (!button || !end.value) return;
      var to = new Date(end.value);
      var from = new Date(to.getTime() - Number(button.getAttribute("data-hours")) * 3600000);
      var pad = function (n) { return String(n).padStart(2, "0"); };
      start.value = from.getFullYear() + "-" + pad(from.getMonth() + 1) + "-" + pad(from.getDate()) +
        "T" + pad(from.getHours()) + ":" + pad(from.getMinutes());
    });
  }

  function setUpConfirm(form) {
    var kept = form.querySelector("[data-confirm-kept]");
    var confirm = form.querySelector("[data-confirm-button]");
    if (confirm && kept) {
      confirm.addEventListener("click", function () { kept.value = confirm.value; });
    }
    var change = form.querySelector("[data-change-values]");
    if (change) {
      change.addEventListener("click", function () {
        var first = form.querySelector(".is-alarming input:not([type=hidden])");
        if (first) { first.focus(); first.select && first.select(); return; }
        // The partial-set question: back to the form, at the first input left empty.
        var panel = form.querySelector("[data-partial-panel]");
        if (panel) panel.hidden = true;
        var empty = Array.prototype.find.call(
          form.querySelectorAll(".number-grid input:not([type=hidden])"),
          function (input) { return !input.disabled && !input.value; });
        if (empty) empty.focus();
      });
    }
    var panel = form.querySelector("[data-confirm-panel]");
    if (panel) panel.scrollIntoView({ block: "start" });
  }

  /* A failed save: keep everything, say so, and try again with the same client_id. */
  function setUpRetry(form) {
    var banner = form.querySelector("[data-offline]");
    var next = form.querySelector("[data-offline-next]");
    var now = form.querySelector("[data-retry-now]");
    var attempt = 0;
    var timer = null;
    var countdown = null;

    function resend() {
      clearTimeout(timer);
      clearInterval(countdown);
      if (next) next.textContent = "Sending again…";
      htmx.trigger(form, "submit");
    }

    function failed() {
      var delay = RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)];
      attempt += 1;
      var notSavedBanner = form.querySelector("[data-not-saved]");
      if (notSavedBanner) notSavedBanner.hidden = true;
      banner.hidden = false;
      var left = delay;
      if (next) next.textContent = "Trying again in " + left + " s.";
      clearInterval(countdown);
      countdown = setInterval(function () {
        left -= 1;
        if (next && left > 0) next.textContent = "Trying again in " + left + " s.";
      }, 1000);
      clearTimeout(timer);
      timer = setTimeout(resend, delay * 1000);
    }

    form.addEventListener("htmx:sendError", failed);
    form.addEventListener("htmx:timeout", failed);
    form.addEventListener("htmx:responseError", function (event) {
      notSaved(form, "The server answered with an error (HTTP " + event.detail.xhr.status + ").");
    });
    form.addEventListener("htmx:beforeRequest", function () {
      form.setAttribute("aria-busy", "true");
    });
    form.addEventListener("htmx:afterRequest", function () {
      form.removeAttribute("aria-busy");
    });
    if (now) now.addEventListener("click", resend);
    window.addEventListener("online", function () {
      if (!banner.hidden && document.body.contains(form)) resend();
    });
  }

  /* An answer that is neither a saved entry nor the form with its messages: nothing was
   * replaced, so every typed value is still there; Retry resends the same entry. */
  function notSaved(form, reason) {
    var banner = form.querySelector("[data-not-saved]");
    if (!banner) return;
    var offline = form.querySelector("[data-offline]");
    if (offline) offline.hidden = true;
    banner.querySelector("[data-not-saved-reason]").textContent = reason;
    banner.hidden = false;
    banner.scrollIntoView({ block: "center" });
  }

  function setUpNotSaved(form) {
    var banner = form.querySelector("[data-not-saved]");
    var retry = form.querySelector("[data-retry]");
    if (!banner || !retry) return;
    retry.addEventListener("click", function () {
      banner.hidden = true;
      htmx.trigger(form, "submit");
    });
  }

  /* Drafts (issue 14 item 4): what is typed is kept in this browser, keyed by patient and the
   * entry's client_id, so a reload or a closed tab loses nothing; restored when the same
   * entry page opens again (with the same client_id, so a save is still stored once), and
   * cleared when the server has saved it. page.js shows the count in the header and the list
   * on the bedside page. */
  var DRAFT = "il2.draft.";
  var firstLoad = true;

  function clientIdOf(form) {
    var input = form.querySelector('input[name="client_id"]');
    return input ? input.value : "";
  }

  function draftKey(form) {
    return DRAFT + form.getAttribute("data-draft-patient") + "." + clientIdOf(form);
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input, select, textarea"), function (el) {
      return el.id && el.type !== "hidden" && el.type !== "submit" && el.type !== "button";
    });
  }

  function saveDraft(form) {
    var values = {};
    var typed = false;
    draftFields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        values[el.id] = el.checked;
      } else {
        values[el.id] = el.value;
        if (el.value && el.type !== "datetime-local") typed = true;
      }
    });
    if (!typed) return;
    try {
      window.localStorage.setItem(draftKey(form), JSON.stringify({
        patient: form.getAttribute("data-draft-patient"),
        clientId: clientIdOf(form),
        title: form.getAttribute("data-draft-title") || "Entry",
        path: form.getAttribute("action"),
        at: new Date().toISOString(),
        values: values,
      }));
    } catch (e) { /* storage full or private mode: the form still works */ }
    document.dispatchEvent(new CustomEvent("il2:drafts-changed"));
  }

  function clearDraft(form) {
    try { window.localStorage.removeItem(draftKey(form)); } catch (e) { /* nothing kept */ }
    document.dispatchEvent(new CustomEvent("il2:drafts-changed"));
  }

  function newestDraft(form) {
    var found = null;
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key.indexOf(DRAFT) !== 0) continue;
        var draft = JSON.parse(window.localStorage.getItem(key));
        if (draft.patient === form.getAttribute("data-draft-patient") &&
            draft.path === form.getAttribute("action") && (!found || draft.at > found.at)) {
          found = draft;
        }
      }
    } catch (e) { return null; }
    return found;
  }

  function restoreDraft(form) {
    var draft = newestDraft(form);
    if (!draft) return;
    var id = form.querySelector('input[name="client_id"]');
    if (id) id.value = draft.clientId;
    Object.keys(draft.values).forEach(function (elementId) {
      var el = document.getElementById(elementId);
      if (!el || !form.contains(el)) return;
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked !== draft.values[elementId]) {
          el.checked = draft.values[elementId];
          el.dispatchEvent(new Event("change", { bubbles: true }));
        }
      } else {
        el.value = draft.values[elementId];
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    var note = document.createElement("p");
    note.className = "restored";
    note.setAttribute("role", "status");
    note.setAttribute("data-draft-restored", "");
    note.textContent = "Restored what you typed at " + new Date(draft.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false }) + ": not saved yet.";
    var title = form.querySelector(".entry-title");
    if (title) title.insertAdjacentElement("afterend", note);
  }

  function setUpDraft(form) {
    if (!form.hasAttribute("data-draft-patient")) return;
    if (firstLoad) restoreDraft(form);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
  }

  /* The matching elements in root, root itself included (htmx hands over a swapped form). */
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }

  function setUp(root) {
    within(root, "[data-unit-field]").forEach(setUpUnitField);
    within(root, "[data-bedside-form]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      setUpOxygen(form);
      setUpVasopressors(form);
      setUpQuickPeriods(form);
      setUpConfirm(form);
      setUpRetry(form);
      setUpNotSaved(form);
      setUpDraft(form);
    });
    firstLoad = false;
  }

  // The server answers a refused form with 400 and the form with its messages: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("[data-bedside-form]");
    if (form && /\/accounts\/login\//.test(xhr.responseURL || "")) {
      // The session expired and the answer is the sign-in page: not the entry's answer.
      event.detail.shouldSwap = false;
      notSaved(form, "You are signed out. Sign in again in a new tab, then press Retry.");
      return;
    }
    if (form && (xhr.status === 200 || xhr.status === 201) &&
        String(xhr.responseText || "").indexOf("data-bedside-form") === -1) {
      clearDraft(form);  // saved: the answer is the result, not the form again
    }
    if (xhr.status === 400 || xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // A swapped-in form or result starts at the top, where its messages are.
  document.addEventListener("htmx:afterSwap", function (event) {
    var entry = document.getElementById("entry");
    if (entry) entry.scrollIntoView({ block: "start" });
  });
  if (window.htmx) {
    htmx.onLoad(setUp);
  } else {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  }
})();
