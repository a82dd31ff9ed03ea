// Staff scanner shared by the badge and exhibitor-pass pages: camera (or photo) -> jsQR ->
// check-in API. Without network the device decides by itself from its snapshot (verification
// keys by kid, the scan window, revoked identifiers), shows green or red with the reason, and
// queues the decision; the queue goes to the batch endpoint later, each scan flagged with
// decided_offline, the verdict and the snapshot version. Queue, snapshot and the codes this
// device admitted offline live in IndexedDB (they survive reloads, restarts and a flat battery).
// What differs per page comes from the JSON block #scanner-config written by the template:
//   storage_key      key of this page's queue (one per conference / market)
//   scan_url         live scan; batch_url: queued scans, body {device_id, scans: [...]}
//   snapshot_url     what the device needs to decide offline (fetched whenever online)
//   event_id, token_kind, event_claim, subject_claim: the event this gate is for, the token's
//                    kind (claim "t"), the claim naming the event and the one naming the holder
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
  var SNAPSHOT_KEY = "snapshot." + cfg.storage_key;
  var ADMITTED_KEY = "admitted." + cfg.storage_key;
  var result = document.getElementById("scan-result");
  var pending = document.getElementById("pending");
  var offlineNote = document.getElementById("offline-note");
  var snapshotAge = document.getElementById("snapshot-age");
  var tokenInput = document.getElementById("staff-token");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var seen = {};
  var REPEAT_MS = 15000;
  var syncing = false;
  // In-memory copies of what IndexedDB holds; every change is written through before it is shown.
  var items = [];
  var snapshot = null;
  var admitted = {};

  // A tiny key-value store over IndexedDB; localStorage stays for the device id and the typed token.
  var dbReady = new Promise(function (resolve, reject) {
    var open = indexedDB.open("tadamon-scanner", 1);
    open.onupgradeneeded = function () { open.result.createObjectStore("kv"); };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });
  function idb(mode, action) {
    return dbReady.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("kv", mode);
        var request = action(tx.objectStore("kv"));
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function load(key) { return idb("readonly", function (kv) { return kv.get(key); }); }
  function keep(key, value) { return idb("readwrite", function (kv) { return kv.put(value, key); }); }

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
    refreshSnapshot(true);
    sync();
  });

  function saveQueue(next) {
    items = next;
    renderPending();
    return keep(QUEUE_KEY, items);
  }
  function renderPending() {
    pending.dataset.count = String(items.length);
    pending.textContent = cfg.pending_template.replace("{n}", String(items.length));
    offlineNote.hidden = navigator.onLine;
    if (snapshotAge) {
      snapshotAge.dataset.version = snapshot ? snapshot.version : "";
      snapshotAge.textContent = snapshot ? cfg.texts.snapshot_age.replace(
        "{m}", String(Math.max(0, Math.floor((Date.now() - Date.parse(snapshot.generated_at)) / 60000)))) : "";
    }
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
    items.push(scan);
    return saveQueue(items);
  }

  // Offline decision, the same checks as the server in the same order: signature by kid, kind,
  // event, scan window, revocation, then whether this device already admitted the holder.
  function b64urlBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
  }
  function b64urlJson(text) { return JSON.parse(new TextDecoder().decode(b64urlBytes(text))); }
  function verifySignature(token) {
    var parts = token.split(".");
    var header;
    try { header = b64urlJson(parts[0]); } catch (e) { return Promise.resolve({ status: "invalid" }); }
    if (parts.length !== 3 || header.alg !== "EdDSA") { return Promise.resolve({ status: "invalid" }); }
    var jwk = snapshot.keys.filter(function (k) { return k.kid === header.kid; })[0];
    if (!jwk) { return Promise.resolve({ status: "undecided" }); }
    return crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false,
                                   ["verify"])
      .then(function (key) {
        return crypto.subtle.verify({ name: "Ed25519" }, key, b64urlBytes(parts[2]),
                                    new TextEncoder().encode(parts[0] + "." + parts[1]));
      })
      .then(function (genuine) {
        return genuine ? { status: "genuine", claims: b64urlJson(parts[1]) } : { status: "invalid" };
      })
      .catch(function () { return { status: "invalid" }; });
  }
  function windowOf(at) {
    for (var i = 0; i < snapshot.windows.length; i++) {
      if (Date.parse(snapshot.windows[i].opens_at) <= at && at < Date.parse(snapshot.windows[i].closes_at)) { return i; }
    }
    return -1;
  }
  function offlineVerdict(checked, scannedAt) {
    if (checked.status !== "genuine") { return checked.status === "undecided" ? ["undecided", "undecided"] : ["invalid", ""]; }
    var claims = checked.claims;
    if (claims.t !== cfg.token_kind) { return ["invalid", ""]; }
    if (String(claims[cfg.event_claim]) !== String(cfg.event_id)) { return ["invalid", "other_event"]; }
    var at = Date.parse(scannedAt);
    var window_ = windowOf(at);
    if (window_ < 0) { return ["refused", "outside_window"]; }
    var subject = String(claims[cfg.subject_claim]);
    if (snapshot.revoked.indexOf(subject) >= 0) { return ["refused", "revoked"]; }
    // One admission per window: a conference has one, a market one per opening day.
    if (admitted[subject + "@" + window_]) { return ["refused", "seen_here"]; }
    return ["checked_in", "offline_ok", subject + "@" + window_];
  }
  function decideOffline(scan) {
    if (!snapshot) { show("queued", cfg.texts.no_snapshot); return enqueue(scan); }
    return verifySignature(scan.token).then(function (checked) {
      var decision = offlineVerdict(checked, scan.scanned_at);
      scan.decided_offline = true;
      scan.offline_verdict = decision[0] === "checked_in" ? "admitted" : "refused";
      scan.snapshot_version = snapshot.version;
      var saved = Promise.resolve();
      if (decision[2]) {
        admitted[decision[2]] = scan.scanned_at;
        saved = keep(ADMITTED_KEY, admitted);
      }
      return saved.then(function () { return enqueue(scan); }).then(function () {
        if (decision[0] === "checked_in") { show("ok", cfg.texts.offline_ok, "checked_in"); }
        else if (decision[0] === "undecided") { show("undecided", cfg.texts.undecided, "undecided"); }
        else { verdict(decision[0], decision[1] ? cfg.texts[decision[1]] : ""); }
      });
    });
  }

  // A code the server admitted while online counts as admitted here too, so the same code
  // shown again once the network is gone is refused on this device, as one admitted offline.
  function rememberAdmitted(token, at) {
    try {
      var subject = b64urlJson(token.split(".")[1])[cfg.subject_claim];
      var window_ = snapshot ? windowOf(Date.parse(at)) : -1;
      if (subject && window_ >= 0) { admitted[String(subject) + "@" + window_] = at; keep(ADMITTED_KEY, admitted); }
    } catch (e) { return; }
  }

  function handle(token, deliberate) {
    var now = Date.now();
    // A camera sees the same code many times a second: it counts once per 15 s, so the
    // result on screen stays the one of the person in front of the gate.
    if (!deliberate && seen[token] && now - seen[token] < REPEAT_MS) { return; }
    seen[token] = now;
    if (!signedIn()) { show("bad", cfg.texts.need_token); return; }
    var scan = { token: token, nonce: randomId(), scanned_at: new Date().toISOString() };
    if (!navigator.onLine) { decideOffline(scan); return; }
    var body = { device_id: deviceId };
    cfg.scan_fields.forEach(function (field) { body[field] = scan[field]; });
    fetch(cfg.scan_url, { method: "POST", headers: headers(), body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok) {
            showAnswer(answer);
            if ((answer[cfg.outcome_field] || "checked_in") === "checked_in") { rememberAdmitted(token, scan.scanned_at); }
            return;
          }
          // The session's short-lived token expired: keep the scan, let the accounts service renew the
          // session and come back here, where the queue is sent.
          if (response.status === 401 && !typedToken() && cfg.refresh_url) {
            enqueue(scan).then(function () { window.location.assign(cfg.refresh_url); });
            show("queued", cfg.texts.queued);
            return;
          }
          if (response.status >= 500) { decideOffline(scan); return; }
          showProblem(response.status, answer);
        });
      })
      // The network fell over though the browser still thinks it is online.
      .catch(function () { decideOffline(scan); });
  }

  // A fresh snapshot each minute while online is enough: revocations reach the gate within a
  // minute, and a list of a few thousand ids is not fetched every 10 s.
  var SNAPSHOT_EVERY_MS = 60000;
  var snapshotFetchedAt = 0;
  function refreshSnapshot(force) {
    if (!cfg.snapshot_url || !navigator.onLine || !signedIn()) { return Promise.resolve(); }
    if (!force && Date.now() - snapshotFetchedAt < SNAPSHOT_EVERY_MS) { return Promise.resolve(); }
    snapshotFetchedAt = Date.now();
    return fetch(cfg.snapshot_url, { headers: headers() })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (fresh) {
        if (!fresh) { return; }
        snapshot = fresh;
        renderPending();
        return keep(SNAPSHOT_KEY, fresh);
      })
      .catch(function () { return undefined; });
  }

  function sync() {
    renderPending();
    refreshSnapshot(false);
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
        return saveQueue(items.filter(function (s) { return !done[s.nonce]; })).then(function () {
          if (answers.length) { showAnswer(answers[answers.length - 1]); }
          result.dataset.synced = String(answers.length);
          result.textContent = cfg.texts.synced + " (" + answers.length + ") — " + result.textContent;
        });
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

  // The service worker serves this page, its scripts and font from its cache when there is no
  // network at all, so the scanner opens cold at a gate without coverage.
  function installOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) { return; }
    navigator.serviceWorker.register("/static/web/scanner-sw.js", { scope: "/scanner/" }).catch(function () {});
    if (!navigator.onLine) { return; }
    var assets = [location.href, "/static/web/scanner.js", "/static/web/vendor/jsQR.js", "/static/web/web.css",
                  "/static/web/scanner.webmanifest", "/static/web/scanner-icon.svg", "/static/web/fonts/NotoSans-Regular.ttf",
                  "/static/web/fonts/NotoSansArabic-Regular.ttf"];
    caches.open("tadamon-scanner-v1").then(function (cache) { return cache.addAll(assets); }).catch(function () {});
  }

  // Before anything is shown, what the device kept: a queue left in localStorage by an older
  // version of this page moves to IndexedDB.
  Promise.all([load(QUEUE_KEY), load(SNAPSHOT_KEY), load(ADMITTED_KEY)]).then(function (kept) {
    var legacy = [];
    try { legacy = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { legacy = []; }
    items = (kept[0] || []).concat(legacy);
    snapshot = kept[1] || null;
    admitted = kept[2] || {};
    // Once the event's last window has closed and everything is synced, the device forgets
    // the snapshot and the codes it admitted: nothing is kept longer than the event needs.
    if (snapshot && !items.length && snapshot.windows.every(function (w) { return Date.parse(w.closes_at) < Date.now(); })) {
      snapshot = null;
      admitted = {};
      return Promise.all([keep(SNAPSHOT_KEY, null), keep(ADMITTED_KEY, {})]);
    }
    return (legacy.length ? saveQueue(items) : Promise.resolve()).then(function () {
      localStorage.removeItem(QUEUE_KEY);
    });
  }).then(function () {
    document.body.dataset.scannerReady = "true";
    document.getElementById("sync-now").addEventListener("click", sync);
    window.addEventListener("online", sync);
    window.addEventListener("offline", renderPending);
    setInterval(sync, 10000);
    renderPending();
    installOffline();
    sync();
  });
}());
