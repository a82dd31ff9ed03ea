// Refreshes the counts of the check-in day screen every 15 seconds without reloading the page:
// the server sends each count already written the page language's way, by element id.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  function refresh() {
    fetch(live.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || !body.values) { return; }
        Object.keys(body.values).forEach(function (id) {
          var element = document.getElementById(id);
          if (element && element.textContent !== body.values[id]) { element.textContent = body.values[id]; }
        });
        live.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }
  setInterval(refresh, 15000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
