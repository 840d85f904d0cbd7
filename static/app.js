// Small behaviours htmx does not cover. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  // A failed htmx request never fails silently: show why.
  function flash(text) {
    var el = document.getElementById("flash");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
    setTimeout(function () { el.hidden = true; }, 6000);
  }
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    flash(xhr.status === 0 ? "The server could not be reached." : "Something went wrong (" + xhr.status + "). Please try again.");
  });
  document.addEventListener("htmx:sendError", function () { flash("The server could not be reached. Check your connection."); });
})();
