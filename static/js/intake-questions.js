/*
 * Intake questions: follow-ups and "none of these apply to me" groups (CSP: no inline script).
 *
 *  <div data-follow-up-of="high_blood_pressure" data-follow-up-when="True"> is shown only
 *  while the named question's answer is one of the listed values.
 *  <input type="checkbox" data-none-of="heart"> answers "No" to every question inside
 *  [data-group-questions="heart"] and folds them away; unticking shows them again.
 *  The server applies the same rules, so without this script every question stays visible.
 */
(function () {
  "use strict";

  function answerOf(form, name) {
    var field = form.elements[name];
    if (!field) return "";
    if (field.length !== undefined && !field.tagName) {  // a RadioNodeList
      for (var i = 0; i < field.length; i++) {
        if (field[i].checked) return field[i].value;
      }
      return "";
    }
    if (field.type === "checkbox") return field.checked ? "on" : "";
    return field.value;
  }

  function updateFollowUps(form) {
    var followUps = form.querySelectorAll("[data-follow-up-of]");
    for (var i = 0; i < followUps.length; i++) {
      var wrapper = followUps[i];
      var wanted = wrapper.getAttribute("data-follow-up-when").split(" ");
      var answer = answerOf(form, wrapper.getAttribute("data-follow-up-of"));
      wrapper.hidden = wanted.indexOf(answer) === -1;
    }
  }

  function applyNone(box, fillNo) {
    var group = box.form.querySelector('[data-group-questions="' + box.getAttribute("data-none-of") + '"]');
    if (!group) return;
    if (box.checked && fillNo) {
      var radios = group.querySelectorAll('input[type="radio"][value="False"]');
      for (var i = 0; i < radios.length; i++) radios[i].checked = true;
    }
    // Keep questions with an error (or a "Yes") in view, so nothing is hidden that needs fixing.
    var keepOpen = group.querySelector(".form-field--error, .errorlist, input[type=radio][value=True]:checked");
    group.hidden = box.checked && !keepOpen;
  }

  function start() {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if (!form.querySelector("[data-follow-up-of], [data-none-of]")) continue;
      var boxes = form.querySelectorAll("[data-none-of]");
      for (var j = 0; j < boxes.length; j++) applyNone(boxes[j], false);
      updateFollowUps(form);
      form.addEventListener("change", function (event) {
        var target = event.target;
        if (target && target.hasAttribute && target.hasAttribute("data-none-of")) {
          applyNone(target, true);
        }
        updateFollowUps(event.currentTarget);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
