// The session form's check step while typing: as fields change, ask the agenda's JSON check
// route (the same rules the save applies) and show what it finds. Without this script the
// "Check" button does the same through the server.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  if (!form || !window.fetch) { return; }
  var box = document.getElementById("findings");
  var texts = JSON.parse(document.getElementById("check-texts").textContent);
  var timer = null;
  var asked = 0;

  function field(name) { return form.elements[name] ? form.elements[name].value : ""; }
  function chosen(name) {
    var select = form.elements[name];
    return select ? Array.prototype.filter.call(select.options, function (o) { return o.selected; })
      .map(function (o) { return o.value; }) : [];
  }
  function body() {
    var day = field("day"), start = field("start"), end = field("end");
    if (!field("room_id") || !day || !start || !end) { return null; }
    var wanted = { room_id: field("room_id"), starts_at: day + "T" + start + ":00", ends_at: day + "T" + end + ":00",
      speaker_ids: chosen("speaker_ids"), moderator_ids: chosen("moderator_ids") };
    if (form.dataset.session) { wanted.session_id = form.dataset.session; }
    if (field("capacity")) { wanted.capacity = Number(field("capacity")); }
    return wanted;
  }
  function show(findings) {
    var list = document.createElement(findings.length ? "ul" : "p");
    list.id = findings.length ? "findings-list" : "no-findings";
    if (!findings.length) { list.className = "alert ok"; list.textContent = texts.none; }
    findings.forEach(function (f) {
      var item = document.createElement("li");
      item.className = "finding " + (f.hard ? "hard" : "soft");
      item.dataset.code = f.code;
      item.textContent = f.detail;
      list.appendChild(item);
    });
    Array.prototype.slice.call(box.children, 1).forEach(function (old) { box.removeChild(old); });
    box.appendChild(list);
  }
  function check() {
    var wanted = body();
    if (!wanted) { return; }
    var mine = ++asked;
    fetch(form.dataset.check, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept-Language": form.dataset.lang,
        "X-CSRF-Token": form.elements.csrf_token.value },
      body: JSON.stringify(wanted) })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (found) { if (mine === asked) { show(found.findings); } })
      .catch(function () { if (mine === asked) { box.dataset.failed = texts.failed; } });
  }
  function later() { clearTimeout(timer); timer = setTimeout(check, 250); }
  form.addEventListener("change", later);
  form.addEventListener("input", later);
})();
