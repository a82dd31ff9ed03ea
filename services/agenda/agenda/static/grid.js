// Moving sessions on the programme grid. A card dragged onto another half hour (or placed from its
// "move" button's list of free places, for the keyboard) shows there at once with what the agenda's
// check route finds (the rules a save applies); "save" posts the console's move form, "cancel" puts
// the card back. Places are read from the grid itself, so the drag follows the page's direction.
// Without this script every card opens the session's form, which does the same.
(function () {
  "use strict";
  var panel = document.getElementById("move-panel");
  if (!panel || !window.fetch || !document.elementsFromPoint) { return; }
  var texts = JSON.parse(document.getElementById("move-texts").textContent);
  var select = document.getElementById("move-place");
  var box = document.getElementById("move-findings");
  var save = document.getElementById("move-save");
  var moving = null;
  var asked = 0;

  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function minutes(text) { var p = text.split(":"); return Number(p[0]) * 60 + Number(p[1]); }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function clock(total) { return two(Math.floor(total / 60) % 24) + ":" + two(total % 60); }
  function slotOf(grid, room, index) {
    return all(".slot-cell", grid).filter(function (s) {
      return s.dataset.room === room && Number(s.dataset.index) === index;
    })[0] || null;
  }
  // The half hour a card stands at before moving (its start's, floored), in its own day's grid.
  function homeSlot(card) {
    var grid = document.querySelector("#day-" + card.dataset.day + " .programme-grid");
    return grid && slotOf(grid, card.dataset.room, Number(card.dataset.index));
  }
  // Rows a card takes at a new place: a place starts on the half hour.
  function span(card) { return Math.max(1, Math.ceil(Number(card.dataset.minutes) / 30)); }

  // A place is free when the card, its length kept, fits the day's rows and meets no other card there.
  function fitsRows(card, slot) {
    var rows = all(".slot-cell", slot.parentNode).filter(function (s) { return s.dataset.room === slot.dataset.room; });
    return Number(slot.dataset.index) + span(card) <= rows.length;
  }
  function fits(card, slot) {
    var start = minutes(slot.dataset.start), end = start + Number(card.dataset.minutes);
    if (!fitsRows(card, slot)) { return false; }
    return all(".cell").every(function (other) {
      if (other === card || other.dataset.room !== slot.dataset.room || other.dataset.day !== slot.dataset.day) {
        return true;
      }
      var from = minutes(other.dataset.start);
      return from + Number(other.dataset.minutes) <= start || end <= from;
    });
  }
  function label(slot) {
    return slot.closest(".day").dataset.dayLabel + " · " + slot.dataset.place;
  }
  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }
  function fillPlaces(card) {
    select.textContent = "";
    var home = homeSlot(card);
    select.appendChild(option("", texts.here + (home ? " · " + label(home) : "")));
    all(".slot-cell").forEach(function (slot) {
      if (slot !== home && fits(card, slot)) { select.appendChild(option(slot.id, label(slot))); }
    });
  }

  // The hours a card shows at a place: the grid's own words for its rows (its start's, and its end's
  // when the end falls on a row of the grid), as the server wrote them.
  function bdi(text) {
    var b = document.createElement("bdi");
    b.textContent = text.trim();
    return b;
  }
  function hoursAt(card, slot) {
    var times = all(".slot-time", slot.parentNode), index = Number(slot.dataset.index);
    var end = times[index + span(card)];
    var hours = card.querySelector(".hours");
    hours.textContent = "";
    hours.appendChild(bdi(times[index].textContent));
    if (end && Number(card.dataset.minutes) === 30 * span(card)) {
      hours.appendChild(document.createTextNode("–"));
      hours.appendChild(bdi(end.textContent));
    }
  }
  function draw(card, button, slot) {
    var grid = slot.parentNode, row = slot.style.gridRowStart, column = slot.style.gridColumnStart;
    if (card.parentNode !== grid) { grid.appendChild(card); grid.appendChild(button); }
    hoursAt(card, slot);
    card.style.gridRow = row + " / span " + span(card);
    card.style.gridColumn = column;
    button.style.gridRow = row;
    button.style.gridColumn = column;
  }
  function restore() {
    var home = moving.home;
    home.grid.insertBefore(moving.card, home.next);
    home.grid.insertBefore(moving.button, home.next);
    moving.card.querySelector(".hours").innerHTML = home.hours;
    moving.card.style.gridRow = home.cardRow;
    moving.card.style.gridColumn = home.column;
    moving.button.style.gridRow = home.buttonRow;
    moving.button.style.gridColumn = home.column;
  }

  // The panel stays at the window's bottom: the card is kept in sight above it.
  function inSight(card) {
    card.style.scrollMarginBottom = (panel.offsetHeight + 24) + "px";
    if (card.scrollIntoView) { card.scrollIntoView({ block: "nearest", inline: "nearest" }); }
  }
  // Opened by a drag, the panel waits for the drop: it would hide the places below it.
  function open(card, dragged) {
    if (moving) { putBack(); }
    var button = document.getElementById("move-" + card.dataset.session);
    moving = { card: card, button: button, chosen: null, grab: 0, home: { grid: card.parentNode,
      next: button.nextSibling, cardRow: card.style.gridRow, buttonRow: button.style.gridRow,
      column: card.style.gridColumn, hours: card.querySelector(".hours").innerHTML } };
    document.getElementById("move-session").textContent = card.querySelector("strong").textContent;
    panel.action = "/console/sessions/" + encodeURIComponent(card.dataset.session) + "/move?lang=" + panel.dataset.lang;
    fillPlaces(card);
    say(texts.choose, "muted");
    save.disabled = true;
    card.classList.add("moving");
    if (!dragged) { panel.hidden = false; inSight(card); }
  }
  function putBack() {
    if (!moving) { return; }
    restore();
    moving.card.classList.remove("moving");
    var button = moving.button;
    moving = null;
    asked += 1;
    panel.hidden = true;
    return button;
  }
  function choose(slot) {
    if (slot && slot === homeSlot(moving.card)) { slot = null; }
    moving.chosen = slot;
    if (!slot) { restore(); say(texts.choose, "muted"); save.disabled = true; return; }
    if (!all("option", select).some(function (o) { return o.value === slot.id; })) {
      select.appendChild(option(slot.id, label(slot)));
    }
    select.value = slot.id;
    draw(moving.card, moving.button, slot);
    panel.hidden = false;
    inSight(moving.card);
    panel.elements.room_id.value = slot.dataset.room;
    panel.elements.day.value = slot.dataset.day;
    panel.elements.start.value = slot.dataset.start;
    check(moving.card, slot);
  }

  function say(text, kind) {
    var p = document.createElement("p");
    p.id = "move-note";
    p.className = kind;
    p.textContent = text;
    box.textContent = "";
    box.appendChild(p);
  }
  function show(findings) {
    if (!findings.length) { say(texts.none, "alert ok"); save.disabled = false; return; }
    var list = document.createElement("ul");
    list.id = "move-findings-list";
    findings.forEach(function (f) {
      var item = document.createElement("li");
      item.className = "finding " + (f.hard ? "hard" : "soft");
      item.dataset.code = f.code;
      item.textContent = f.detail;
      list.appendChild(item);
    });
    box.textContent = "";
    box.appendChild(list);
    // The check route says which findings a save would be refused for: those keep "save" off.
    save.disabled = findings.some(function (f) { return f.hard; });
  }
  function wanted(card, slot) {
    var day = slot.dataset.day, start = slot.dataset.start;
    var body = { session_id: card.dataset.session, room_id: slot.dataset.room, starts_at: day + "T" + start + ":00",
      ends_at: day + "T" + clock(minutes(start) + Number(card.dataset.minutes)) + ":00",
      speaker_ids: JSON.parse(card.dataset.speakers), moderator_ids: JSON.parse(card.dataset.moderators) };
    if (card.dataset.capacity) { body.capacity = Number(card.dataset.capacity); }
    return body;
  }
  function check(card, slot) {
    var mine = ++asked;
    save.disabled = true;
    say(texts.checking, "muted");
    fetch(panel.dataset.check, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept-Language": panel.dataset.lang,
        "X-CSRF-Token": panel.elements.csrf_token.value },
      body: JSON.stringify(wanted(card, slot)) })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (found) { if (mine === asked) { show(found.findings); } })
      .catch(function () { if (mine === asked) { say(texts.failed, "alert bad"); } });
  }

  // Dragging: the place under the pointer, less the half hours between the card's top and where it
  // was grabbed, is where the card would start.
  function slotUnder(event) {
    return document.elementsFromPoint(event.clientX, event.clientY).filter(function (el) {
      return el.classList.contains("slot-cell");
    })[0] || null;
  }
  function target(event) {
    var under = moving && slotUnder(event);
    return under && slotOf(under.parentNode, under.dataset.room, Number(under.dataset.index) - moving.grab);
  }
  function mark(slot) {
    all(".slot-cell.drop-target").forEach(function (s) { s.classList.remove("drop-target"); });
    if (slot) { slot.classList.add("drop-target"); }
  }
  all(".programme-grid .cell").forEach(function (card) {
    card.draggable = true;
    card.addEventListener("dragstart", function (event) {
      var under = slotUnder(event), home = homeSlot(card);
      open(card, true);
      moving.grab = under && home ? Math.max(0, Number(under.dataset.index) - Number(home.dataset.index)) : 0;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.session);
    });
    card.addEventListener("dragend", function () {
      mark(null);
      if (moving && !moving.chosen) { putBack(); }
    });
  });
  document.addEventListener("dragover", function (event) {
    var slot = target(event);
    mark(slot);
    if (slot) { event.preventDefault(); event.dataTransfer.dropEffect = "move"; }
  });
  document.addEventListener("drop", function (event) {
    var slot = target(event);
    mark(null);
    if (slot) { event.preventDefault(); choose(slot); }
  });

  // Without a mouse: each card's "move" button opens the same panel, its list of free places first.
  all(".move-card").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      open(document.getElementById(button.dataset.card));
      select.focus();
    });
  });
  // Arrow keys on a card's move button step its place: a half hour up or down, a room towards the
  // line's start or end (right and left swap in right-to-left pages), busy places included, so the
  // check tells what is there.
  function step(card, key) {
    var from = (moving && moving.card === card && moving.chosen) || homeSlot(card);
    var rooms = all(".room-head", from.parentNode).map(function (head) { return head.dataset.room; });
    var forward = getComputedStyle(from.parentNode).direction === "rtl" ? "ArrowLeft" : "ArrowRight";
    var room = rooms.indexOf(from.dataset.room), index = Number(from.dataset.index);
    if (key === "ArrowUp" || key === "ArrowDown") { index += key === "ArrowUp" ? -1 : 1; }
    else { room += key === forward ? 1 : -1; }
    return rooms[room] ? slotOf(from.parentNode, rooms[room], index) : null;
  }
  function arrowed(event) {
    var card = document.getElementById(event.currentTarget.dataset.card);
    if (event.key === "Escape" && moving && moving.card === card) { putBack(); return; }
    if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].indexOf(event.key) < 0) { return; }
    event.preventDefault();
    var slot = step(card, event.key);
    if (!slot || !fitsRows(card, slot)) { return; }
    if (!moving || moving.card !== card) { open(card); }
    choose(slot);
  }
  all(".move-card").forEach(function (button) { button.addEventListener("keydown", arrowed); });
  select.addEventListener("change", function () {
    if (moving) { choose(select.value ? document.getElementById(select.value) : null); }
  });
  document.getElementById("move-back").addEventListener("click", function () {
    var button = putBack();
    if (button) { button.focus(); }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { var button = putBack(); if (button) { button.focus(); } }
  });
  panel.addEventListener("submit", function (event) {
    if (!moving || !moving.chosen || save.disabled) { event.preventDefault(); }
  });
  document.getElementById("drag-help").hidden = false;
})();
