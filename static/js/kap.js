/*
 * KAP Clinic behaviours. Dependency-free; load with <script src="..." defer>.
 * The Content-Security-Policy forbids inline script and style attributes,
 * so everything is wired here from data-* attributes.
 *
 *  (a) <button data-confirm="Message"> asks confirm() before it acts.
 *  (b) <body data-idle-minutes="N"> shows #idle-warning one minute before
 *      the server-side idle timeout (SESSION_IDLE_MINUTES); typing in a form
 *      counts as activity.
 *  (c) htmx: sends X-CSRFToken from <meta name="csrf-token" content="...">,
 *      and uses CSP-safe, no-patient-data-in-storage settings.
 */
(function () {
  "use strict";

  var doc = document;

  /* (a) Confirm before destructive actions ------------------------------ */
  // Capture phase on window: runs before htmx's own listener on the button,
  // so a cancelled confirm stops both a normal submit and an hx-post.
  window.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest("button[data-confirm]") : null;
    if (!button || button.disabled) return;
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  /* (c) htmx configuration and CSRF ------------------------------------- */
  function csrfToken() {
    var meta = doc.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function configureHtmx() {
    var htmx = window.htmx;
    if (!htmx || !htmx.config) return;
    htmx.config.includeIndicatorStyles = false; // inline <style> is blocked by CSP; kap.css has them
    htmx.config.allowEval = false;              // no 'unsafe-eval' in the CSP
    htmx.config.allowScriptTags = false;        // never run scripts from swapped HTML
    htmx.config.historyCacheSize = 0;           // keep no page snapshots (patient data) in browser storage
    htmx.config.refreshOnHistoryMiss = true;    // so Back fetches the page from the server instead
    // A 409 edit conflict is a page to read (both texts side by side), so swap it in.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: true }
    ];
  }
  // Works whether this file loads before or after htmx.min.js: both are
  // deferred, and htmx reads its config on DOMContentLoaded.
  configureHtmx();
  doc.addEventListener("DOMContentLoaded", configureHtmx, true);

  doc.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token && event.detail && event.detail.headers) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  /* (b) Idle-timeout warning -------------------------------------------- */
  function startIdleWarning() {
    var body = doc.body;
    var region = doc.getElementById("idle-warning");
    var minutes = body ? parseFloat(body.getAttribute("data-idle-minutes")) : NaN;
    if (!region || !(minutes > 1)) return;

    var timeoutMs = minutes * 60 * 1000;
    var warnMs = timeoutMs - 60 * 1000;
    var lastServerContact = Date.now();
    var state = "idle"; // "idle" | "warning" | "expired"

    function render(title, text, buttonLabel) {
      region.classList.add("alert", "alert--warning");
      region.textContent = "";
      var strong = doc.createElement("p");
      strong.className = "alert__title";
      strong.textContent = title;
      var p = doc.createElement("p");
      p.textContent = text;
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "btn btn--primary";
      button.setAttribute("data-idle-stay", "");
      button.textContent = buttonLabel;
      region.appendChild(strong);
      region.appendChild(p);
      region.appendChild(button);
    }

    function showWarning() {
      state = "warning";
      region.hidden = false; // unhide first, then fill, so screen readers announce it
      render(
        "Still there?",
        "For your privacy you will be signed out in about a minute because nothing has happened for a while.",
        "Stay signed in"
      );
    }

    function showExpired() {
      state = "expired";
      doc.documentElement.classList.add("is-session-expired");
      region.hidden = false;
      render(
        "You have been signed out",
        "For your privacy this page is hidden after a period of inactivity. Sign in again to continue.",
        "Sign in again"
      );
    }

    function reset() {
      lastServerContact = Date.now();
      state = "idle";
      region.hidden = true;
      region.textContent = "";
      doc.documentElement.classList.remove("is-session-expired");
    }

    // Any request refreshes the session (SESSION_SAVE_EVERY_REQUEST): a light
    // HEAD of the keep-alive URL keeps unsaved form input intact, and opens no
    // record (a HEAD of this page would log another view of the patient's).
    var keepAliveUrl = body.getAttribute("data-keep-alive-url") || window.location.href;
    function touchServer(onFailure) {
      return window.fetch(keepAliveUrl, {
        method: "HEAD",
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual"
      }).then(function (response) {
        if (response.ok) {
          reset();
        } else {
          onFailure();
        }
      }, onFailure);
    }

    function stay() {
      if (state === "expired" || !window.fetch) {
        window.location.reload();
        return;
      }
      // If the session has gone (redirect to sign-in) or the request fails, reload.
      touchServer(function () { window.location.reload(); });
    }

    // Someone typing is there: a long journal entry or note written without
    // sending a page refreshes the session, at most every few minutes, so the
    // page is never hidden (and its unsaved text lost) under a person writing.
    var typingRefreshMs = Math.min(5 * 60 * 1000, warnMs);
    var refreshing = false;
    doc.addEventListener("input", function () {
      if (state === "expired" || refreshing || !window.fetch) return;
      if (Date.now() - lastServerContact < typingRefreshMs) return;
      refreshing = true;
      touchServer(function () {}).then(function () { refreshing = false; });
    });

    region.addEventListener("click", function (event) {
      var target = event.target;
      if (target && target.closest && target.closest("[data-idle-stay]")) stay();
    });

    // Requests made by htmx also refresh the server-side session.
    doc.addEventListener("htmx:afterRequest", function () {
      if (state !== "expired") reset();
    });

    // Poll instead of one long timer: phones throttle or freeze timers
    // in background tabs, and the clock is what matters.
    function check() {
      var elapsed = Date.now() - lastServerContact;
      if (elapsed >= timeoutMs) {
        if (state !== "expired") showExpired();
      } else if (elapsed >= warnMs) {
        if (state === "idle") showWarning();
      }
    }
    window.setInterval(check, 5000);
    doc.addEventListener("visibilitychange", function () {
      if (!doc.hidden) check();
    });
  }

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", startIdleWarning);
  } else {
    startIdleWarning();
  }
})();
