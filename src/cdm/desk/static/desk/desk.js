/* The reception desk: a visit in three steps (theme, profile, outcome), keyboard first.
 * Every visit gets a UUID here and goes to an IndexedDB outbox first; the outbox is sent
 * to the API whenever the network allows, so a visit sent twice is stored once. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("desk-config").textContent);
  var desk = document.getElementById("desk");
  var t = config.i18n;
  var state = { step: "theme", visit: null, channel: "in_person", steps: 0 };
  var last = [];  // the visits recorded from this screen, newest first: {uid, label, sent}

  // -- the outbox (IndexedDB, the one every offline screen shares: cdm/outbox.js) -------------
  var outbox = window.CdmOutbox("cdm-desk", "uid");
  function outboxAll() { return outbox.all(); }
  function outboxPut(v) { return outbox.put(v); }
  function outboxDelete(uid) { return outbox.remove(uid); }

  // -- sending -------------------------------------------------------------------------------
  var sending = false;
  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    });
  }
  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    return outboxAll().then(function (items) {
      items.sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
      var chain = Promise.resolve();
      items.forEach(function (item) {
        chain = chain.then(function () {
          var payload = Object.assign({}, item); delete payload.queued_at;
          return api("POST", config.api.visits, payload).then(function (response) {
            if (response.ok) {
              return response.json().then(function (saved) {
                markSent(item.uid, saved.ticket);
                return outboxDelete(item.uid);
              });
            }
            if (response.status === 400 || response.status === 409 || response.status === 422) {
              // Refused for good: say why and keep nothing that can never be accepted.
              return response.json().then(function (e) {
                flash(t.error + " : " + e.errors.map(function (p) { return p.field + " — " + p.reason; }).join(" ; "));
                return outboxDelete(item.uid);
              });
            }
            throw new Error("HTTP " + response.status);
          });
        });
      });
      return chain;
    }).then(function () { setOnline(true); refreshCounters(); }, function () { setOnline(false); })
      .then(function () { sending = false; showPending(); });
  }
  function showPending() {
    outboxAll().then(function (items) {
      document.getElementById("pending").textContent = items.length ? items.length + " " + t.pending : "";
      desk.dataset.pending = String(items.length);
    });
  }
  function setOnline(on) {
    var el = document.getElementById("net-status");
    el.textContent = on ? t.online : t.offline;
    el.className = "net " + (on ? "online" : "offline");
  }

  // -- recording -----------------------------------------------------------------------------
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (crypto.getRandomValues(new Uint8Array(1))[0] & 15);
      return (c === "x" ? r : (r & 3) | 8).toString(16);
    });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function go(step) {
    state.step = step;
    desk.dataset.state = step;
    var section = document.getElementById("step-" + step);
    if (section && !section.contains(document.activeElement)) {
      var first = section.querySelector("button"); if (first) first.focus({ preventScroll: true });
    }
  }
  function begin() {
    state.visit = { age_band: "not_stated", gender: "not_stated", status: "not_stated" };
    state.steps = 0;
    document.querySelectorAll("#step-profile button[data-value]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    go("theme");
  }
  function chooseTheme(button) {
    state.visit.theme = button.dataset.theme;
    if (button.dataset.pole) state.visit.pole = button.dataset.pole;
    state.visit.label = button.textContent.replace(/^\s*\S+\s/, "").trim();
    state.steps += 1;
    go("profile");
  }
  function chooseProfile(dim, value) {
    state.visit[dim] = value;
    document.querySelectorAll('#step-profile [data-dim="' + dim + '"] button').forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.value === value ? "true" : "false");
    });
    var all = ["age_band", "gender", "status"].every(function (d) {
      return document.querySelector('#step-profile [data-dim="' + d + '"] [aria-pressed="true"]');
    });
    if (all) profileDone();
  }
  function profileDone() { state.steps += 1; go("outcome"); }
  function chooseOutcome(outcome) {
    var now = new Date();
    var v = state.visit;
    state.steps += 1;
    var visit = {
      uid: uuid(), cite: config.cite, site: document.getElementById("site").value || null,
      date: now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()),
      time: pad(now.getHours()) + ":" + pad(now.getMinutes()),
      channel: state.channel, theme: v.theme, pole: v.pole || null, outcome: outcome,
      age_band: v.age_band, gender: v.gender, status: v.status, queued_at: now.toISOString()
    };
    var label = v.label + " — " + config.outcome_labels[outcome];
    last.unshift({ uid: visit.uid, label: label, sent: false, ticket: null, steps: state.steps });
    renderLast();
    desk.dataset.lastSteps = String(state.steps);
    desk.dataset.recorded = String((parseInt(desk.dataset.recorded || "0", 10)) + 1);
    flash(t.saved + " : " + label);
    begin();
    outboxPut(visit).then(function () { showPending(); return flush(); });
  }
  function markSent(uid, ticket) {
    desk.dataset.sent = String(parseInt(desk.dataset.sent || "0", 10) + 1);
    last.forEach(function (item) {
      if (item.uid === uid) { item.sent = true; item.ticket = ticket; if (ticket) flash(t.ticket + " " + ticket); }
    });
    renderLast();
  }
  function undo() {
    var item = last.shift();
    if (!item) { flash(t.nothing_to_undo); return; }
    renderLast();
    outboxDelete(item.uid).then(function () {
      showPending();
      if (item.sent) return api("DELETE", config.api.visits + "/" + encodeURIComponent(item.uid)).then(refreshCounters);
    }).then(function () { flash(t.undone + " : " + item.label); });
  }
  function renderLast() {
    var list = document.getElementById("last");
    list.innerHTML = "";
    last.slice(0, 8).forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.label + (item.ticket ? " — " + t.ticket + " " + item.ticket : "") + (item.sent ? "" : " ⏳");
      if (item.ticket) li.className = "has-ticket";
      list.appendChild(li);
    });
  }
  var flashTimer = null;
  function flash(message) {
    var el = document.getElementById("flash");
    el.textContent = message;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { el.textContent = ""; }, 6000);
  }
  function setChannel(code) {
    state.channel = code;
    document.querySelectorAll("#channels button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.channel === code ? "true" : "false");
    });
  }

  // -- counters ------------------------------------------------------------------------------
  function fillTable(id, data, labels) {
    var body = document.getElementById(id);
    body.innerHTML = "";
    Object.keys(data).sort(function (a, b) { return data[b] - data[a]; }).forEach(function (key) {
      var tr = document.createElement("tr");
      var th = document.createElement("th"); th.scope = "row"; th.textContent = labels[key] || key;
      var td = document.createElement("td"); td.textContent = data[key];
      tr.appendChild(th); tr.appendChild(td); body.appendChild(tr);
    });
  }
  function refreshCounters() {
    return fetch(config.api.today, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        document.getElementById("count-total").textContent = d.visits;
        document.getElementById("count-waiting").textContent = d.waiting;
        fillTable("by-theme", d.by_theme, config.theme_labels);
        fillTable("by-outcome", d.by_outcome, config.outcome_labels);
      }).catch(function () {});
  }

  // -- input: keys and taps ------------------------------------------------------------------
  function keyOf(list, key) {
    for (var i = 0; i < list.length; i++) if (list[i].key.toUpperCase() === key) return list[i];
    return null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target && (event.target.tagName === "SELECT" || event.target.tagName === "INPUT")) return;
    var key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
    var handled = true;
    if (key === "Escape") {
      if (state.step === "outcome") { state.steps -= 1; go("profile"); }
      else if (state.step === "profile") begin();
    } else if (state.step === "theme") {
      var theme = keyOf(config.themes, key);
      var channel = keyOf(config.channels, key);
      if (theme) chooseTheme(document.querySelector('#step-theme button[data-theme="' + theme.theme + '"]' +
        (theme.pole ? '[data-pole="' + theme.pole + '"]' : "")));
      else if (channel) setChannel(channel.code);
      else if (key === "U") undo();
      else handled = false;
    } else if (state.step === "profile") {
      var found = null;
      ["age_band", "gender", "status"].forEach(function (dim) {
        var c = keyOf(config[dim], key); if (c && !found) found = [dim, c.code];
      });
      if (found) chooseProfile(found[0], found[1]);
      else if (key === "Enter") profileDone();
      else handled = false;
    } else if (state.step === "outcome") {
      var outcome = keyOf(config.outcomes, key);
      if (outcome) chooseOutcome(outcome.code); else handled = false;
    }
    if (handled) event.preventDefault();
  });
  document.getElementById("step-theme").addEventListener("click", function (e) {
    var b = e.target.closest("button[data-theme]"); if (b) { if (state.step !== "theme") begin(); chooseTheme(b); }
  });
  document.getElementById("step-profile").addEventListener("click", function (e) {
    if (state.step !== "profile") return;
    var b = e.target.closest("button[data-value]");
    if (b) chooseProfile(b.parentElement.dataset.dim, b.dataset.value);
    else if (e.target.closest("#profile-done")) profileDone();
  });
  document.getElementById("step-outcome").addEventListener("click", function (e) {
    var b = e.target.closest("button[data-outcome]"); if (b && state.step === "outcome") chooseOutcome(b.dataset.outcome);
  });
  document.getElementById("channels").addEventListener("click", function (e) {
    var b = e.target.closest("button[data-channel]"); if (b) setChannel(b.dataset.channel);
  });
  document.getElementById("undo").addEventListener("click", undo);
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(flush, 10000);
  setInterval(refreshCounters, 15000);

  if ("serviceWorker" in navigator) {
    var swUrl = location.pathname.replace(/desk\/.*$/, "desk/sw.js");
    navigator.serviceWorker.register(swUrl, { scope: location.pathname.replace(/desk\/.*$/, "desk/") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        // Keep this page and its files for a reload without network (the worker knows where).
        if (!navigator.onLine) return;
        var files = [location.href];
        document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach(function (el) { files.push(el.href || el.src); });
        var channel = new MessageChannel();
        channel.port1.onmessage = function (e) { if (!e.data.failed) desk.dataset.cached = "true"; };
        registration.active.postMessage({ keep: files }, [channel.port2]);
      })
      .catch(function () {});
  }
  begin();
  setOnline(navigator.onLine);
  showPending();
  flush();
  desk.dataset.ready = "true";
})();
