// Staff scanner shared by the badge and exhibitor-pass pages: camera (or photo) -> jsQR ->
// check-in API; offline scans wait in localStorage (survives reloads, small records) and go
// to the batch endpoint later. What differs per page comes from the JSON block
// #scanner-config written by the template:
//   storage_key      localStorage key of this page's queue (one per conference / market)
//   scan_url         live scan; batch_url: offline scans, body {device_id, scans: [...]}
//   scan_fields      fields of a scan the live endpoint takes (device_id is always added)
//   answers_field    where the batch reply keeps its answers (absent: the reply is the list)
//   outcome_field    answer field with checked_in / already_checked_in / refused / invalid
//                    (an answer without it is a check-in: some endpoints answer with the record)
//   summary          parts shown after the verdict when the answer has no message, e.g.
//                    ["{cooperative_name}", "Stand {stand_number}"]; a part with an empty
//                    field is left out, a {"ar": .., "fr": ..} value is read in the page's language
//   already_codes    problem codes meaning "already checked in" (an error status on some APIs)
//   invalid_statuses, invalid_codes: problems meaning the code itself is not valid
//   texts, pending_template: the page's words
(function () {
  "use strict";
  var cfg = Object.assign({
    scan_fields: ["token", "nonce", "scanned_at"], answers_field: null, outcome_field: "outcome", summary: [],
    already_codes: [], invalid_statuses: [400], invalid_codes: []
  }, JSON.parse(document.getElementById("scanner-config").textContent));
  var QUEUE_KEY = cfg.storage_key;
  var result = document.getElementById("scan-result");
  var pending = document.getElementById("pending");
  var offlineNote = document.getElementById("offline-note");
  var tokenInput = document.getElementById("staff-token");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var seen = {};
  var REPEAT_MS = 15000;
  var syncing = false;

  function randomId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var deviceId = localStorage.getItem("tadamon.deviceId");
  if (!deviceId) { deviceId = "web-" + randomId(); localStorage.setItem("tadamon.deviceId", deviceId); }
  tokenInput.value = localStorage.getItem("tadamon.staffToken") || "";
  tokenInput.addEventListener("change", function () {
    localStorage.setItem("tadamon.staffToken", tokenInput.value.trim());
    sync();
  });

  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; } }
  function saveQueue(items) { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); renderPending(); }
  function renderPending() {
    var n = queue().length;
    pending.dataset.count = String(n);
    pending.textContent = cfg.pending_template.replace("{n}", String(n));
    offlineNote.hidden = navigator.onLine;
  }
  function show(kind, text, status) {
    result.className = "scan-result " + kind;
    result.dataset.outcome = kind;
    result.dataset.status = status || kind;
    result.textContent = text;
    if (navigator.vibrate) { navigator.vibrate(kind === "ok" ? 80 : [80, 60, 80]); }
  }
  // A typed staff token goes as a bearer token; without one, the platform's browser session (its HttpOnly
  // cookie goes by itself) is used, with the csrf cookie's value echoed in X-CSRF-Token.
  function csrfCookie() {
    var match = document.cookie.match(/(?:^|;\s*)tadamon_csrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function typedToken() { return localStorage.getItem("tadamon.staffToken") || tokenInput.value.trim(); }
  function signedIn() { return Boolean(typedToken() || csrfCookie()); }
  function headers() {
    var h = { "Content-Type": "application/json", "Accept-Language": cfg.lang };
    if (typedToken()) { h.Authorization = "Bearer " + typedToken(); } else { h["X-CSRF-Token"] = csrfCookie(); }
    return h;
  }

  function textOf(value) {
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "object") { return value[cfg.lang] || value.fr || value.ar || value.en || ""; }
    return String(value);
  }
  function summary(answer) {
    return cfg.summary.map(function (part) {
      var missing = false;
      var text = part.replace(/\{(\w+)\}/g, function (_, field) {
        var value = textOf(answer[field]);
        if (!value) { missing = true; }
        return value;
      });
      return missing ? "" : text;
    }).filter(Boolean).join(" · ");
  }
  function verdict(status, message) {
    var ok = status === "checked_in" || status === "already_checked_in";
    var label = { checked_in: cfg.texts.ok, already_checked_in: cfg.texts.already,
                  invalid: cfg.texts.invalid }[status] || cfg.texts.refused;
    show(ok ? "ok" : "bad", message ? label + " — " + message : label, status);
  }
  function showAnswer(answer) {
    verdict(answer[cfg.outcome_field] || "checked_in", answer.message || summary(answer));
  }
  function showProblem(httpStatus, problem) {
    var reason = problem.detail || problem.title || String(httpStatus);
    if (cfg.already_codes.indexOf(problem.code) >= 0) { verdict("already_checked_in", reason); return; }
    var invalid = cfg.invalid_statuses.indexOf(httpStatus) >= 0 || cfg.invalid_codes.indexOf(problem.code) >= 0;
    verdict(invalid ? "invalid" : "refused", reason);
  }
  function enqueue(scan) {
    var items = queue();
    items.push(scan);
    saveQueue(items);
    show("queued", cfg.texts.queued);
  }

  function handle(token, deliberate) {
    var now = Date.now();
    // A camera sees the same code many times a second: it counts once per 15 s, so the
    // result on screen stays the one of the person in front of the gate.
    if (!deliberate && seen[token] && now - seen[token] < REPEAT_MS) { return; }
    seen[token] = now;
    if (!signedIn()) { show("bad", cfg.texts.need_token); return; }
    var scan = { token: token, nonce: randomId(), scanned_at: new Date().toISOString() };
    if (!navigator.onLine) { enqueue(scan); return; }
    var body = { device_id: deviceId };
    cfg.scan_fields.forEach(function (field) { body[field] = scan[field]; });
    fetch(cfg.scan_url, { method: "POST", headers: headers(), body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok) { showAnswer(answer); return; }
          // The session's short-lived token expired: keep the scan, let the accounts service renew the
          // session and come back here, where the queue is sent.
          if (response.status === 401 && !typedToken() && cfg.refresh_url) {
            enqueue(scan);
            window.location.assign(cfg.refresh_url);
            return;
          }
          if (response.status >= 500) { enqueue(scan); return; }
          showProblem(response.status, answer);
        });
      })
      .catch(function () { enqueue(scan); });
  }

  function sync() {
    var items = queue();
    renderPending();
    if (syncing || !items.length || !navigator.onLine || !signedIn()) { return; }
    syncing = true;
    var batch = items.slice(0, 500);
    fetch(cfg.batch_url, { method: "POST", headers: headers(),
                           body: JSON.stringify({ device_id: deviceId, scans: batch }) })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (reply) {
        var answers = cfg.answers_field ? reply[cfg.answers_field] : reply;
        var done = {};
        answers.forEach(function (a) { if (a.nonce) { done[a.nonce] = true; } });
        saveQueue(queue().filter(function (s) { return !done[s.nonce]; }));
        if (answers.length) { showAnswer(answers[answers.length - 1]); }
        result.dataset.synced = String(answers.length);
        result.textContent = cfg.texts.synced + " (" + answers.length + ") — " + result.textContent;
      })
      .catch(function () { show("queued", cfg.texts.sync_failed); })
      .then(function () { syncing = false; renderPending(); });
  }

  function decode(source, width, height) {
    if (!width || !height) { return null; }
    canvas.width = width; canvas.height = height;
    ctx.drawImage(source, 0, 0, width, height);
    var image = ctx.getImageData(0, 0, width, height);
    var code = jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    return code && code.data ? code.data : null;
  }
  function tick() {
    if (video.readyState >= 2) {
      var data = decode(video, video.videoWidth, video.videoHeight);
      if (data) { handle(data); }
    }
    setTimeout(function () { requestAnimationFrame(tick); }, 150);
  }
  document.getElementById("start-camera").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { show("bad", cfg.texts.no_camera); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) { video.srcObject = stream; video.hidden = false; return video.play(); })
      .then(tick)
      .catch(function () { show("bad", cfg.texts.no_camera); });
  });
  document.getElementById("photo").addEventListener("change", function (event) {
    var file = event.target.files && event.target.files[0];
    if (!file) { return; }
    var img = new Image();
    img.onload = function () {
      var data = decode(img, img.naturalWidth, img.naturalHeight);
      URL.revokeObjectURL(img.src);
      if (data) { handle(data, true); } else { show("bad", cfg.texts.invalid); }
      // The same file picked again must fire "change" again.
      event.target.value = "";
    };
    img.src = URL.createObjectURL(file);
  });
  document.getElementById("sync-now").addEventListener("click", sync);
  window.addEventListener("online", sync);
  window.addEventListener("offline", renderPending);
  setInterval(sync, 10000);
  renderPending();
  sync();
}());
