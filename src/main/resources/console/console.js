// Herald console: the only script, served from /console/assets/ (no inline script; the CSP allows 'self' only).
// Every page works without it; it adds copy buttons and live updates of a delivery in progress.
(function () {
  "use strict";
  function wireCopy(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        var el = document.getElementById(b.getAttribute("data-copy"));
        if (!el) return;
        var done = function () { b.textContent = "Copied"; b.setAttribute("aria-live", "polite"); };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(el.textContent).then(done, function () { selectText(el); });
        } else {
          selectText(el);
        }
      });
    });
  }
  function selectText(el) {
    var r = document.createRange();
    r.selectNodeContents(el);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
  }
  // An element with data-refresh="ms" is fetched again from this page's URL every ms milliseconds and
  // replaced, until the fresh copy no longer asks to be refreshed (the delivery reached a final state).
  function wireRefresh() {
    var live = document.querySelector("[data-refresh]");
    if (!live || !window.fetch) return;
    var every = parseInt(live.getAttribute("data-refresh"), 10) || 2000;
    setTimeout(function tick() {
      fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(live.id);
          var current = document.getElementById(live.id);
          if (!fresh || !current) return;
          current.replaceWith(fresh);
          wireCopy(fresh);
          if (fresh.hasAttribute("data-refresh")) setTimeout(tick, every);
        })
        .catch(function () { setTimeout(tick, every * 2); });
    }, every);
  }
  document.addEventListener("DOMContentLoaded", function () {
    wireCopy(document);
    wireRefresh();
  });
})();
