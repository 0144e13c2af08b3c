// The calendar (kapclinic/calendar): drag an appointment onto an empty slot to move it.
// The drop opens the appointment's move form with the slot's time, clinician or room filled
// in; the person gives the reason and confirms, and the server checks the move as any other.
// Without a mouse, the block itself is a link to the same form.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var grid = document.querySelector(".cal");
    if (!grid) return;
    var dragged = null;

    // A week opens scrolled to today, beside the hours (they stay put).
    var today = grid.querySelector(".cal-day--today");
    var scroller = grid.parentElement;
    var hours = grid.querySelector(".cal-times");
    if (today && scroller && today !== grid.querySelector(".cal-day")) {
      var offset = today.getBoundingClientRect().left - scroller.getBoundingClientRect().left;
      scroller.scrollLeft += offset - (hours ? hours.offsetWidth : 0);
    }

    function slotOf(event) {
      return event.target.closest ? event.target.closest(".cal-slot") : null;
    }

    grid.addEventListener("dragstart", function (event) {
      var block = event.target.closest && event.target.closest(".cal-block[draggable='true']");
      if (!block) return;
      dragged = block;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", block.dataset.appointment);
    });
    grid.addEventListener("dragover", function (event) {
      if (dragged && slotOf(event)) event.preventDefault();
    });
    grid.addEventListener("dragenter", function (event) {
      var slot = slotOf(event);
      if (dragged && slot) slot.classList.add("cal-drop");
    });
    grid.addEventListener("dragleave", function (event) {
      var slot = slotOf(event);
      if (slot) slot.classList.remove("cal-drop");
    });
    grid.addEventListener("drop", function (event) {
      var slot = slotOf(event);
      if (!dragged || !slot) return;
      event.preventDefault();
      var target = new URL(dragged.href);
      new URL(slot.href).searchParams.forEach(function (value, key) {
        target.searchParams.set(key, value);
      });
      window.location.assign(target.toString());
    });
    grid.addEventListener("dragend", function () {
      dragged = null;
    });
  });
})();
