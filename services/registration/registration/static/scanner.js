// Badge scanner: camera (or photo) -> jsQR -> check-in API; offline scans wait in
// localStorage (survives reloads, small records) and go to the batch endpoint later.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("scanner-config").textContent);
  var QUEUE_KEY = "tadamon.scans." + cfg.conference;
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
  function show(kind, text) {
    result.className = "scan-result " + kind;
    result.dataset.outcome = kind;
    result.textContent = text;
    if (navigator.vibrate) { navigator.vibrate(kind === "ok" ? 80 : [80, 60, 80]); }
  }
  function headers() {
    return { "Content-Type": "application/json", "Accept-Language": cfg.lang,
             "Authorization": "Bearer " + (localStorage.getItem("tadamon.staffToken") || tokenInput.value.trim()) };
  }
  function showAnswer(answer) {
    if (answer.outcome === "checked_in") { show("ok", cfg.texts.ok + " — " + answer.message); }
    else if (answer.outcome === "already_checked_in") { show("ok", cfg.texts.already + " — " + answer.message); }
    else if (answer.outcome === "invalid") { show("bad", cfg.texts.invalid + " — " + answer.message); }
    else { show("bad", cfg.texts.refused + " — " + answer.message); }
  }
  function enqueue(scan) {
    var items = queue();
    items.push(scan);
    saveQueue(items);
    show("queued", cfg.texts.queued);
  }

  function handle(token, deliberate) {
    var now = Date.now();
    // A camera sees the same badge many times a second: it counts once per 15 s, so the
    // result on screen stays the one of the person in front of the gate.
    if (!deliberate && seen[token] && now - seen[token] < REPEAT_MS) { return; }
    seen[token] = now;
    if (!tokenInput.value.trim()) { show("bad", cfg.texts.need_token); return; }
    var scan = { token: token, nonce: randomId(), scanned_at: new Date().toISOString() };
    if (!navigator.onLine) { enqueue(scan); return; }
    fetch(cfg.scan_url, { method: "POST", headers: headers(),
                          body: JSON.stringify(Object.assign({ device_id: deviceId }, scan)) })
      .then(function (response) {
        return response.json().then(function (body) {
          if (response.ok) { showAnswer(body); return; }
          if (response.status >= 500) { enqueue(scan); return; }
          var kind = response.status === 400 ? cfg.texts.invalid : cfg.texts.refused;
          show("bad", kind + " — " + (body.detail || body.title || response.status));
        });
      })
      .catch(function () { enqueue(scan); });
  }

  function sync() {
    var items = queue();
    renderPending();
    if (syncing || !items.length || !navigator.onLine || !tokenInput.value.trim()) { return; }
    syncing = true;
    var batch = items.slice(0, 500);
    fetch(cfg.batch_url, { method: "POST", headers: headers(),
                           body: JSON.stringify({ device_id: deviceId, scans: batch }) })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (answers) {
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
