/*
 * A character counter under every <textarea maxlength="N"> (CSP: no inline script).
 * Shows "120 of 20,000 characters"; near the limit it says how many are left and is read
 * out politely by screen readers. The server refuses longer text with a clear message, so
 * nothing depends on this script.
 */
(function () {
  "use strict";

  var NEAR = 0.9;  // announce from 90% of the limit

  function format(n) {
    return n.toLocaleString("en-GB");
  }

  function attach(area, index) {
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    if (!(limit > 0) || area.hasAttribute("data-counted")) return;
    area.setAttribute("data-counted", "");
    var counter = document.createElement("p");
    counter.className = "small muted text-counter";
    counter.id = (area.id || "text") + "-counter-" + index;
    area.insertAdjacentElement("afterend", counter);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);

    function update() {
      var used = area.value.length;
      var near = used >= limit * NEAR;
      counter.textContent = near
        ? format(Math.max(limit - used, 0)) + " of " + format(limit) + " characters left"
        : format(used) + " of " + format(limit) + " characters";
      counter.classList.toggle("text-counter--near", near);
      if (near) {
        counter.setAttribute("aria-live", "polite");
      } else {
        counter.removeAttribute("aria-live");
      }
    }
    area.addEventListener("input", update);
    update();
  }

  function start(root) {
    var areas = (root || document).querySelectorAll("textarea[maxlength]");
    for (var i = 0; i < areas.length; i++) attach(areas[i], i);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(); });
  } else {
    start();
  }
  // Forms swapped in by htmx get their counters too.
  document.addEventListener("htmx:afterSwap", function (event) { start(event.target); });
})();
