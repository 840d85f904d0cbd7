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

  // On a phone a list's table loses its headings (app.css): each value
  // but the first (the row's name) carries its column's heading instead.
  function labelCells() {
    var tables = document.querySelectorAll("table.list");
    for (var t = 0; t < tables.length; t++) {
      var heads = tables[t].querySelectorAll("thead th");
      var rows = tables[t].querySelectorAll("tbody tr");
      for (var r = 0; r < rows.length; r++) {
        var cells = rows[r].children;
        if (cells.length !== heads.length) continue; // a message row across the table
        for (var i = 1; i < cells.length; i++) {
          var label = heads[i].textContent.trim();
          if (label && cells[i].textContent.trim() && !cells[i].hasAttribute("data-label")) cells[i].setAttribute("data-label", label);
        }
      }
    }
  }
  labelCells();
  document.addEventListener("htmx:afterSettle", labelCells);

  // A form that comes back with errors puts the first one in view and
  // focus, next to its field, instead of leaving it off screen.
  function focusInvalid(root) {
    var field = root && root.querySelector && root.querySelector('[aria-invalid="true"]');
    if (!field) return;
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center" });
  }
  document.addEventListener("htmx:afterSettle", function (e) { focusInvalid(e.detail.elt); });
  focusInvalid(document);

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
