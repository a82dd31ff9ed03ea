// Stars and sign-ups on the programme pages. A visitor's stars go to a random agenda id
// kept in this browser; a participant who came with their manage token (?token=) stars
// into their own agenda and may sign up for sessions with seats.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("agenda-config").textContent);
  var params = new URLSearchParams(window.location.search);
  var tokenKey = "tadamon.manage." + cfg.conference;
  if (params.get("token")) { localStorage.setItem(tokenKey, params.get("token")); }
  var token = localStorage.getItem(tokenKey);
  var agendaId = localStorage.getItem("tadamon.agendaId");

  function headers() {
    var h = { "Accept-Language": cfg.lang };
    if (token) { h["X-Manage-Token"] = token; }
    return h;
  }
  function myAgendaLink() {
    var link = document.getElementById("my-agenda-link");
    if (!link) { return; }
    if (token) { link.href = "/my-agenda?token=" + encodeURIComponent(token) + "&lang=" + cfg.lang; }
    else if (agendaId) { link.href = "/my-agenda?agenda=" + encodeURIComponent(agendaId) + "&lang=" + cfg.lang; }
  }
  function markStar(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? cfg.texts.starred : cfg.texts.star;
  }
  function buttonsFor(attr, id) { return document.querySelectorAll("[" + attr + "='" + id + "']"); }
  function applyAgenda(body) {
    (body.sessions || []).forEach(function (s) {
      buttonsFor("data-star", s.id).forEach(function (b) { markStar(b, s.starred !== false); });
      if (s.signup) { setSignup(s.id, s.signup); }
    });
  }
  function setSignup(id, status) {
    buttonsFor("data-signup-state", id).forEach(function (el) {
      el.textContent = status === "confirmed" ? cfg.texts.signed_up : status === "waitlisted" ? cfg.texts.waitlisted : "";
      el.dataset.status = status;
    });
    buttonsFor("data-signup", id).forEach(function (b) { b.hidden = status === "confirmed" || status === "waitlisted"; });
  }
  function ensureAgenda() {
    if (token || agendaId) { return Promise.resolve(); }
    return fetch("/agendas", { method: "POST", headers: headers() })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (body) { agendaId = body.agenda_id; localStorage.setItem("tadamon.agendaId", agendaId); myAgendaLink(); });
  }
  function starUrl(id) {
    return token ? "/me/stars/" + encodeURIComponent(id)
                 : "/agendas/" + encodeURIComponent(agendaId) + "/stars/" + encodeURIComponent(id);
  }
  document.querySelectorAll("[data-star]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = button.dataset.star;
      var on = button.getAttribute("aria-pressed") !== "true";
      button.disabled = true;
      ensureAgenda()
        .then(function () { return fetch(starUrl(id), { method: on ? "PUT" : "DELETE", headers: headers() }); })
        .then(function (r) {
          if (!r.ok) { throw new Error(r.status); }
          buttonsFor("data-star", id).forEach(function (b) { markStar(b, on); });
        })
        .catch(function () { button.textContent = cfg.texts.failed; })
        .then(function () { button.disabled = false; });
    });
  });
  document.querySelectorAll("[data-signup]").forEach(function (button) {
    if (token) { button.hidden = false; }
    button.addEventListener("click", function () {
      var id = button.dataset.signup;
      fetch("/sessions/" + encodeURIComponent(id) + "/signup", { method: "POST", headers: headers() })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (answer.ok) { setSignup(id, answer.body.status); return; }
          buttonsFor("data-signup-state", id).forEach(function (el) { el.textContent = answer.body.detail || cfg.texts.failed; });
        });
    });
  });
  myAgendaLink();
  var url = token ? "/me/agenda" : agendaId ? "/agendas/" + encodeURIComponent(agendaId) : null;
  if (url) {
    fetch(url, { headers: headers() }).then(function (r) { return r.ok ? r.json() : { sessions: [] }; }).then(applyAgenda);
  }
}());
