// Small behaviours htmx does not cover. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var flashTimer;
  function showFlash() {
    var el = document.getElementById("flash");
    if (!el) return;
    el.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { el.hidden = true; }, 8000);
  }
  function flash(text) {
    var el = document.getElementById("flash");
    if (!el) return;
    el.textContent = text;
    showFlash();
  }

  // A failed htmx request never fails silently: show the server's message,
  // or say that the server could not be reached.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr, text = "";
    if (xhr.responseText) {
      var tmp = document.createElement("div");
      tmp.innerHTML = xhr.responseText; // our own server's escaped HTML
      text = (tmp.textContent || "").trim();
    }
    flash(text || "Something went wrong (" + xhr.status + "). Please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    flash("The server could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "flash") showFlash();
  });

  // A long poll that failed (server restarting, network gone) tries again
  // after a pause instead of stopping for good.
  document.addEventListener("htmx:afterRequest", function (e) {
    var el = e.detail.elt;
    if (el && el.hasAttribute && el.hasAttribute("data-longpoll") && !e.detail.successful) {
      setTimeout(function () { if (document.body.contains(el)) htmx.trigger(el, "longpoll-retry"); }, 3000);
    }
  });

  // Upload progress: large files from a phone take a while.
  document.addEventListener("htmx:xhr:progress", function (e) {
    var form = e.target.closest ? e.target.closest("form") : null;
    var bar = form && form.querySelector(".upload-progress");
    if (!bar || !e.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((e.detail.loaded / e.detail.total) * 100);
  });

  // Idle warning: a minute before the session would end, offer to stay
  // signed in; at the limit, go to the login page, which says why.
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (idle > 0) {
    var warnTimer, endTimer;
    var warning = document.getElementById("idle-warning");
    var arm = function () {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      if (warning) warning.hidden = true;
      // A minute before the end; for very short limits (tests), halfway.
      var warnAt = Math.max(idle - 60, idle / 2);
      warnTimer = setTimeout(function () { if (warning) warning.hidden = false; }, warnAt * 1000);
      endTimer = setTimeout(function () { window.location.assign("/login?ended=idle"); }, idle * 1000 + 500);
    };
    arm();
    // Every request to the server slides the limit, so re-arm after each.
    // Background polls (X-Parley-Poll) are not activity: the server does
    // not slide the session for them, so neither does the page.
    document.addEventListener("htmx:afterRequest", function (e) {
      var headers = (e.detail.requestConfig && e.detail.requestConfig.headers) || {};
      if (e.detail.successful && headers["X-Parley-Poll"] !== "1") arm();
    });
  }
})();
