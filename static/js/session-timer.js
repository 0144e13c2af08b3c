/*
 * Session screen behaviours (progressive enhancement; the page works without them).
 *
 *  (a) [data-due-at="ISO time"] says "due in 4 min" / "overdue by 2 min", updated every
 *      second; an overdue reading is shown as a warning badge. The server renders the
 *      same words first, so nothing is lost without JavaScript.
 *  (b) [data-aldrete-form] adds up the five modified Aldrete components as they are chosen.
 *  (c) When an entry cannot be sent (network down), htmx swaps nothing, so the typed values
 *      stay in the form; [data-save-status] says so, and that pressing the button again
 *      resends it. Each entry is saved on its own, so nothing else waits on it.
 *  (d) Following the section menu to a finished (folded) section opens its record.
 */
(function () {
  "use strict";

  var doc = document;

  /* (a) Next-reading countdown ------------------------------------------- */
  function countdownText(dueAt, now) {
    var minutes = Math.round((dueAt - now) / 60000);
    if (minutes > 0) return "due in " + minutes + " min";
    if (minutes < 0) return "overdue by " + -minutes + " min";
    return "due now";
  }

  function tick() {
    var now = Date.now();
    var timers = doc.querySelectorAll("[data-due-at]");
    for (var i = 0; i < timers.length; i++) {
      var timer = timers[i];
      var dueAt = Date.parse(timer.getAttribute("data-due-at"));
      if (isNaN(dueAt)) continue;
      var text = countdownText(dueAt, now);
      if (timer.textContent !== text) timer.textContent = text;
      var overdue = now - dueAt >= 60000;
      timer.classList.toggle("badge", overdue);
      timer.classList.toggle("badge--warning", overdue);
    }
  }

  /* (b) Modified Aldrete total ------------------------------------------ */
  function aldreteTotal(form) {
    var output = form.querySelector("[data-aldrete-total]");
    if (!output) return;
    var groups = {};
    var inputs = form.querySelectorAll("input[type=radio]");
    for (var i = 0; i < inputs.length; i++) {
      groups[inputs[i].name] = groups[inputs[i].name] || null;
      if (inputs[i].checked) groups[inputs[i].name] = parseInt(inputs[i].value, 10);
    }
    var total = 0;
    for (var name in groups) {
      if (groups[name] === null) {
        output.textContent = "\u2014";
        return;
      }
      total += groups[name];
    }
    output.textContent = String(total);
  }

  doc.addEventListener("change", function (event) {
    var form = event.target && event.target.closest ? event.target.closest("[data-aldrete-form]") : null;
    if (form) aldreteTotal(form);
  });

  /* (c) Say when an entry was not sent ----------------------------------- */
  function saveStatus(text, failed) {
    var region = doc.querySelector("[data-save-status]");
    if (!region) return;
    region.textContent = text;
    region.classList.toggle("alert", failed);
    region.classList.toggle("alert--danger", failed);
  }

  doc.addEventListener("htmx:sendError", function () {
    saveStatus("Not saved: the connection failed. What you typed is still in the form; press its button again.", true);
  });
  doc.addEventListener("htmx:responseError", function () {
    saveStatus("Not saved: the server could not save this entry. What you typed is still in the form; try again.", true);
  });
  doc.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    if (!detail || !detail.successful || !detail.xhr) return;
    // A refused entry comes back (status 200) as its form with errors beside the fields.
    if (detail.xhr.responseText.indexOf("errorlist") !== -1) {
      saveStatus("Not saved: see the message beside the field.", true);
    } else {
      saveStatus("Saved at " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ".", false);
    }
  });

  /* (d) Section menu opens a folded section ------------------------------ */
  function unfold(hash) {
    if (!hash || hash.length < 2) return;
    var section = doc.getElementById(hash.slice(1));
    var fold = section && section.querySelector(":scope > details.section-fold");
    if (fold) fold.open = true;
  }
  doc.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".session-nav a[href^='#']");
    if (link) unfold(link.getAttribute("href"));
  });

  function start() {
    unfold(window.location.hash);
    tick();
    window.setInterval(tick, 1000);
  }
  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
