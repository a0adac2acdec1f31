/* The counsellor's online conversations, beside the walk-in queue: take one, chat with several at
 * once, transfer to a colleague or another Cité, close (the interview is recorded), block an abusive
 * session. The list is refreshed when the server says it changed, and every five seconds anyway.
 * A visitor's text is only ever shown with textContent. */
(function () {
  "use strict";
  var root = document.getElementById("online-chats");
  if (!root) return;
  var queue = JSON.parse(document.getElementById("queue-config").textContent);
  var d = root.dataset;
  var socket = null, retry = 500, cites = [], panels = {}, lastSeq = {}, shown = {};
  // A counsellor's messages until the server has them back: a socket still opening, or lost, keeps
  // them here, and they are sent again (after the re-joins) when it opens; the server stores a
  // client_id once, so a resend never doubles a message.
  var unsent = [];

  function url(id, action) { return d.action.replace("/0/take/", "/" + id + "/" + action + "/"); }
  function status(message) { document.getElementById("chat-queue-status").textContent = message; }
  function post(target, body) {
    return fetch(target, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": queue.csrf, "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.errors.map(function (e) { return e.reason; }).join(" ; "));
        return data;
      });
    }).then(function (data) { refresh(); return data; }, function (e) { status(d.tError + " : " + e.message); refresh(); });
  }
  function button(label, onclick, cls) {
    var b = document.createElement("button"); b.type = "button"; b.textContent = label; b.onclick = onclick;
    if (cls) b.className = cls; return b;
  }
  function minutes(since) { return Math.max(0, Math.round((Date.now() - new Date(since).getTime()) / 60000)); }
  function send(obj) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(obj)); return true; }
    return false;
  }
  function newId() {
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function transferSelect(c) {
    var select = document.createElement("select");
    select.setAttribute("aria-label", d.tTransfer + " " + c.code);
    var none = document.createElement("option"); none.value = ""; none.textContent = d.tTransfer + "…"; select.appendChild(none);
    if (queue.colleagues.length) {
      var g1 = document.createElement("optgroup"); g1.label = d.tToCounsellor;
      queue.colleagues.forEach(function (u) {
        var o = document.createElement("option"); o.value = "user:" + u.username; o.textContent = u.label; g1.appendChild(o);
      });
      select.appendChild(g1);
    }
    var g2 = document.createElement("optgroup"); g2.label = d.tToCite;
    cites.forEach(function (x) {
      if (x.slug === queue.cite) return;
      var o = document.createElement("option"); o.value = "cite:" + x.slug; o.textContent = x.name; g2.appendChild(o);
    });
    select.appendChild(g2);
    select.onchange = function () {
      if (!select.value) return;
      var i = select.value.indexOf(":");
      var kind = select.value.slice(0, i), value = select.value.slice(i + 1);
      post(url(c.id, "transfer"), kind === "user" ? { counsellor: value } : { cite: value });
    };
    return select;
  }

  function panel(c) {
    if (panels[c.id]) return panels[c.id];
    var box = document.createElement("section");
    box.className = "chat-panel"; box.dataset.conversation = String(c.id);
    var h = document.createElement("h3"); h.textContent = c.code + " — " + (queue.themes[c.theme] || c.theme) + " (" + c.language + ")";
    box.appendChild(h);
    var log = document.createElement("ol"); log.className = "chat-log"; log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", c.code);
    box.appendChild(log);
    var typing = document.createElement("p"); typing.className = "muted typing"; box.appendChild(typing);
    var form = document.createElement("form");
    var label = document.createElement("label"); label.className = "visually-hidden";
    label.htmlFor = "chat-text-" + c.id; label.textContent = d.tMessage + " " + c.code;
    var area = document.createElement("textarea"); area.id = "chat-text-" + c.id; area.rows = 2; area.maxLength = 2000;
    var last = 0;
    area.addEventListener("input", function () {
      if (Date.now() - last > 2000) { last = Date.now(); send({ type: "typing", conversation: c.id }); }
    });
    form.appendChild(label); form.appendChild(area);
    var sendButton = document.createElement("button"); sendButton.type = "submit"; sendButton.textContent = d.tSend;
    form.appendChild(sendButton);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var value = area.value.trim();
      if (!value) return;
      var message = { type: "message", conversation: c.id, text: value, client_id: newId() };
      unsent.push(message);
      send(message);
      area.value = "";
    });
    box.appendChild(form);
    var actions = document.createElement("p"); actions.className = "chat-actions";
    actions.appendChild(button(d.tClose, function () { post(url(c.id, "close")); }, "primary close"));
    actions.appendChild(transferSelect(c));
    actions.appendChild(button(d.tBlock, function () { post(url(c.id, "block")); }, "danger"));
    box.appendChild(actions);
    document.getElementById("chat-mine").appendChild(box);
    panels[c.id] = box; lastSeq[c.id] = lastSeq[c.id] || 0; shown[c.id] = shown[c.id] || {};
    send({ type: "join", conversation: c.id, after: 0 });
    return box;
  }

  function append(m) {
    var box = panels[m.conversation];
    unsent = unsent.filter(function (p) { return p.client_id !== m.client_id; });
    if (!box || shown[m.conversation][m.seq]) return;
    shown[m.conversation][m.seq] = true;
    var log = box.querySelector(".chat-log");
    var li = document.createElement("li"); li.className = "from-" + m.author; li.dataset.seq = String(m.seq);
    var who = document.createElement("span"); who.className = "who";
    who.textContent = m.author === "visitor" ? d.tVisitor : m.author === "counsellor" ? d.tYou : d.tService;
    var body = document.createElement("p"); body.className = "text"; body.textContent = m.text;
    li.appendChild(who); li.appendChild(body);
    var before = null;
    Array.prototype.forEach.call(log.children, function (x) { if (!before && Number(x.dataset.seq) > m.seq) before = x; });
    log.insertBefore(li, before);
    log.scrollTop = log.scrollHeight;
    lastSeq[m.conversation] = Math.max(lastSeq[m.conversation], m.seq);
    if (m.author === "visitor") { box.querySelector(".typing").textContent = ""; send({ type: "read", conversation: m.conversation, seq: m.seq }); }
  }

  function render(data) {
    cites = data.cites || cites;
    var ul = document.getElementById("chat-waiting");
    ul.textContent = "";
    if (!data.waiting.length) { var li0 = document.createElement("li"); li0.textContent = d.tNone; ul.appendChild(li0); }
    data.waiting.forEach(function (c) {
      var li = document.createElement("li"); li.dataset.conversation = String(c.id);
      var code = document.createElement("span"); code.className = "ticket"; code.textContent = c.code; li.appendChild(code);
      li.appendChild(document.createTextNode(" " + (queue.themes[c.theme] || c.theme) + " (" + c.language + ") — " +
        d.tWaitingSince + " " + minutes(c.arrived_at) + " " + d.tMinutes + (c.reserved ? " — " + d.tReserved : "")));
      if (queue.can_call) li.appendChild(button(d.tTake, function () { post(url(c.id, "take")); }, "take"));
      ul.appendChild(li);
    });
    var live = {};
    data.mine.forEach(function (c) { live[c.id] = true; panel(c); });
    Object.keys(panels).forEach(function (id) {
      if (!live[id]) { panels[id].remove(); delete panels[id]; }
    });
    root.dataset.waiting = String(data.waiting.length);
    root.dataset.mine = String(data.mine.length);
    root.dataset.available = String(data.available);
  }
  // Lists asked for in turn can come back out of turn on a busy network: an older one would take
  // away a conversation just taken (and the text being typed in it), so it is dropped.
  var asked = 0, applied = 0, started = false;
  function list() {
    var n = ++asked;
    return fetch(d.conversations + "?cite=" + encodeURIComponent(queue.cite), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (n < applied) return null;
        applied = n; render(data);
        // The first list says whether this server speaks websockets (the ASGI server does).
        if (data.live && !started) { started = true; connect(); }
        return data;
      });
  }
  function refresh() {
    if (document.activeElement && document.activeElement.tagName === "SELECT" && root.contains(document.activeElement)) return;
    list().catch(function (e) { status(e.message); });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + d.socket);
    socket.onopen = function () {
      retry = 500; root.dataset.connected = "true";
      Object.keys(panels).forEach(function (id) { send({ type: "join", conversation: Number(id), after: lastSeq[id] || 0 }); });
      unsent.forEach(function (p) { if (panels[p.conversation]) send(p); });
      refresh();
    };
    socket.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.type === "message") append(data);
      else if (data.type === "queue") refresh();
      else if (data.type === "typing") {
        var box = panels[data.conversation];
        if (box) { var line = box.querySelector(".typing"); line.textContent = d.tTyping; setTimeout(function () { line.textContent = ""; }, 4000); }
      } else if (data.type === "error") status(d.tError + " : " + data.reason);
    };
    socket.onclose = function () {
      root.dataset.connected = "false"; socket = null;
      setTimeout(connect, retry); retry = Math.min(retry * 2, 8000);
    };
  }
  refresh();
  setInterval(refresh, 5000);
  setInterval(function () { send({ type: "ping" }); }, 30000);
})();
