/* Talk to a counsellor: the visitor's side of the chat.
 * The conversation's key stays in this tab's sessionStorage and travels only in a request body and a
 * websocket message, never in a URL. Every message is numbered by the server (seq): a reconnection
 * asks for what came after the last one shown, and a message not yet acknowledged is sent again with
 * the same client_id (stored once). Text is only ever shown with textContent. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("talk-config").textContent);
  var t = config.i18n;
  var KEY = "cdm-chat-key", PENDING = "cdm-chat-pending";
  var app = document.getElementById("talk-app");
  var form = document.getElementById("chat-form");
  var chat = document.getElementById("chat");
  var log = document.getElementById("chat-log");
  var statusLine = document.getElementById("chat-status");
  var typingLine = document.getElementById("chat-typing");
  var text = document.getElementById("chat-text");
  var socket = null, lastSeq = 0, ended = false, retry = 500, typingTimer = null, lastTyping = 0;
  var counsellorRead = 0, shown = {};

  function key() { return sessionStorage.getItem(KEY); }
  function pending() { try { return JSON.parse(sessionStorage.getItem(PENDING) || "[]"); } catch (e) { return []; } }
  function savePending(list) { sessionStorage.setItem(PENDING, JSON.stringify(list)); }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function setStatus(message) { statusLine.textContent = message; }
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  }

  function show() {
    form.hidden = true; chat.hidden = false;
    app.dataset.state = "chat";
  }

  function authorLabel(author) { return author === "visitor" ? t.you : author === "counsellor" ? t.counsellor : t.service; }

  function append(m) {
    if (shown[m.seq]) return;
    shown[m.seq] = true;
    var li = document.createElement("li");
    li.className = "from-" + m.author;
    li.dataset.seq = String(m.seq);
    var who = document.createElement("span"); who.className = "who"; who.textContent = authorLabel(m.author);
    var body = document.createElement("p"); body.className = "text"; body.textContent = m.text;
    li.appendChild(who); li.appendChild(body);
    if (m.author === "visitor") {
      var read = document.createElement("span"); read.className = "read"; li.appendChild(read);
    }
    // In order of seq, whatever order they arrive in.
    var after = null;
    Array.prototype.forEach.call(log.children, function (child) {
      if (!after && Number(child.dataset.seq) > m.seq) after = child;
    });
    log.insertBefore(li, after);
    lastSeq = Math.max(lastSeq, m.seq);
    app.dataset.lastSeq = String(lastSeq);
    app.dataset.count = String(log.children.length);
    var list = pending().filter(function (p) { return p.client_id !== m.client_id; });
    savePending(list);
    if (m.author === "counsellor") { typingLine.textContent = ""; markRead(); }
    showRead();
  }
  function showRead() {
    Array.prototype.forEach.call(log.querySelectorAll("li.from-visitor"), function (li) {
      li.querySelector(".read").textContent = Number(li.dataset.seq) <= counsellorRead ? " ✓ " + t.read : "";
    });
  }
  function markRead() {
    if (document.visibilityState === "visible") send({ type: "read", seq: lastSeq });
  }
  function send(obj) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(obj)); return true; }
    return false;
  }

  function end(message, feedback) {
    ended = true;
    app.dataset.state = "ended";
    setStatus(message);
    document.getElementById("chat-send").hidden = true;
    typingLine.textContent = "";
    if (feedback) document.getElementById("chat-feedback").hidden = false;
  }

  // The optional profile questions, once the counsellor has closed the conversation: answered or
  // skipped in one click (skipped: "not stated", and not asked again).
  var profileForm = document.getElementById("chat-profile");
  var profileSkipped = false;
  function askProfile(pending) { profileForm.hidden = !pending; }
  function sendProfile(answers, skipped) {
    profileSkipped = skipped;
    if (send({ type: "profile", answers: answers })) profileForm.hidden = true;
  }
  profileForm.addEventListener("submit", function (e) {
    e.preventDefault();
    sendProfile({
      age_band: document.getElementById("profile-age").value,
      gender: document.getElementById("profile-gender").value,
      status: document.getElementById("profile-status").value
    }, false);
  });
  document.getElementById("profile-skip").addEventListener("click", function () { sendProfile({}, true); });

  function onState(s) {
    app.dataset.status = s.status;
    document.getElementById("chat-code").textContent = s.code;
    counsellorRead = s.counsellor_read; showRead();
    if (s.deleted) { sessionStorage.removeItem(KEY); end(t.deleted, false); return; }
    if (s.status === "waiting") setStatus(fmt(t.position, { position: s.position, wait: s.wait_minutes }));
    else if (s.status === "active") setStatus(t.taken);
    else if (s.status === "closed") { end(t.ended, true); askProfile(s.profile); }
    else if (s.status === "left") end(t.ended, false);
    else if (s.status === "blocked") end(t.blocked, false);
  }

  function connect() {
    if (!key() || ended || !config.socket) return;
    if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + config.socket);
    socket.onopen = function () {
      retry = 500;
      app.dataset.connected = "true";
      socket.send(JSON.stringify({ type: "hello", key: key(), after: lastSeq }));
      pending().forEach(function (p) { socket.send(JSON.stringify({ type: "message", text: p.text, client_id: p.client_id })); });
    };
    socket.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.type === "message") append(data);
      else if (data.type === "state") onState(data);
      else if (data.type === "typing") {
        typingLine.textContent = t.typing;
        clearTimeout(typingTimer); typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 4000);
      } else if (data.type === "read") {
        if (data.reader === "counsellor") { counsellorRead = data.seq; showRead(); }
      } else if (data.type === "gone" || data.type === "blocked") {
        sessionStorage.removeItem(KEY); end(data.type === "blocked" ? t.blocked : t.ended, false);
      } else if (data.type === "deleted") {
        sessionStorage.removeItem(KEY); log.textContent = ""; end(t.deleted, false);
      } else if (data.type === "profile") {
        profileForm.hidden = true;
        if (data.saved && !profileSkipped) setStatus(t.profile_thanks);
      } else if (data.type === "thanks") {
        var fb = document.getElementById("chat-feedback"); fb.textContent = t.thanks;
      } else if (data.type === "error") setStatus(t.error + " : " + data.reason);
    };
    socket.onclose = function () {
      app.dataset.connected = "false";
      socket = null;
      if (ended) return;
      setStatus(t.offline);
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 8000);
    };
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    document.getElementById("chat-unavailable").hidden = true;
    fetch(config.start, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf, "Accept": "application/json" },
      body: JSON.stringify({
        theme: document.getElementById("chat-theme").value,
        language: document.getElementById("chat-language").value,
        cite: document.getElementById("chat-cite").value
      })
    }).then(function (r) {
      return r.json().then(function (data) {
        if (r.status === 409) { document.getElementById("chat-unavailable").hidden = false; app.dataset.state = "unavailable"; return; }
        if (!r.ok) { setStatus(data.errors.map(function (x) { return x.reason; }).join(" ; ")); return; }
        sessionStorage.setItem(KEY, data.key);
        savePending([]);
        show();
        setStatus(fmt(t.position, { position: data.position, wait: data.wait_minutes }));
        connect();
      });
    });
  });

  document.getElementById("chat-send").addEventListener("submit", function (e) {
    e.preventDefault();
    var value = text.value.trim();
    if (!value || ended) return;
    var item = { text: value, client_id: newId() };
    var list = pending(); list.push(item); savePending(list);
    send({ type: "message", text: item.text, client_id: item.client_id });
    text.value = "";
  });
  text.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping > 2000) { lastTyping = now; send({ type: "typing" }); }
  });
  document.addEventListener("visibilitychange", markRead);
  // The network gone: drop the socket now (it may linger half-open); back: reconnect at once, ask for
  // what came meanwhile and send what was written meanwhile.
  // Offline: let the socket go at once. Its closing handshake cannot reach the server, so waiting for
  // its close event could take a minute; what is written meanwhile waits in the pending list.
  window.addEventListener("offline", function () {
    if (!socket) return;
    var old = socket;
    socket = null;
    old.onclose = null; old.onmessage = null;
    old.close();
    app.dataset.connected = "false";
    if (!ended) setStatus(t.offline);
  });
  window.addEventListener("online", function () { retry = 500; connect(); });
  document.getElementById("chat-transcript").addEventListener("submit", function () {
    document.getElementById("transcript-key").value = key() || "";
  });
  document.getElementById("chat-leave").addEventListener("click", function () { send({ type: "leave" }); });
  document.getElementById("chat-delete").addEventListener("click", function () { send({ type: "delete" }); });
  document.getElementById("helped-yes").addEventListener("click", function () { send({ type: "helped", value: true }); });
  document.getElementById("helped-no").addEventListener("click", function () { send({ type: "helped", value: false }); });
  // Ask for the queue's place now and then, and keep the socket alive.
  setInterval(function () { if (!ended) { send({ type: "state" }); } }, 15000);

  if (key()) { show(); connect(); }
  app.dataset.ready = "true";
})();
