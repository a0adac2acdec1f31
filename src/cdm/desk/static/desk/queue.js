/* The counsellors' queue: live (polled every two seconds), call next (N) or a chosen visitor,
 * transfer, close. Two counsellors calling at once never get the same visitor: the server decides. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("queue-config").textContent);
  var t = config.i18n;
  var app = document.getElementById("queue-app");
  var version = 0;

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      if (r.status === 204) return null;
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.errors.map(function (e) { return e.reason; }).join(" ; "));
        return data;
      });
    });
  }
  function status(message) { document.getElementById("queue-status").textContent = message; }
  function act(promise) {
    return promise.then(function (r) { refresh(); return r; }, function (e) { status(t.error + " : " + e.message); refresh(); });
  }
  function minutes(since) { return Math.max(0, Math.round((Date.now() - new Date(since).getTime()) / 60000)); }
  function button(label, onclick, cls) {
    var b = document.createElement("button"); b.type = "button"; b.textContent = label; b.onclick = onclick;
    if (cls) b.className = cls; return b;
  }
  function transferControls(ticket) {
    var wrap = document.createElement("span");
    var select = document.createElement("select");
    select.setAttribute("aria-label", t.transfer + " " + ticket.code);
    var none = document.createElement("option"); none.value = ""; none.textContent = t.transfer + "…"; select.appendChild(none);
    var g1 = document.createElement("optgroup"); g1.label = t.to_theme;
    Object.keys(config.themes).forEach(function (code) {
      if (code === ticket.theme) return;
      var o = document.createElement("option"); o.value = "theme:" + code; o.textContent = config.themes[code]; g1.appendChild(o);
    });
    select.appendChild(g1);
    if (config.colleagues.length) {
      var g2 = document.createElement("optgroup"); g2.label = t.to_counsellor;
      config.colleagues.forEach(function (c) {
        var o = document.createElement("option"); o.value = "user:" + c.username; o.textContent = c.label; g2.appendChild(o);
      });
      select.appendChild(g2);
    }
    select.onchange = function () {
      if (!select.value) return;
      var parts = select.value.split(":");
      var body = parts[0] === "theme" ? { theme: parts[1] } : { counsellor: parts[1] };
      act(api("POST", "/api/queue/" + ticket.id + "/transfer", body));
    };
    wrap.appendChild(select);
    return wrap;
  }
  function render(data) {
    var mine = data.called.filter(function (x) { return x.counsellor === config.me; });
    var box = document.getElementById("with-you");
    box.innerHTML = "";
    box.hidden = !mine.length;
    mine.forEach(function (ticket) {
      var p = document.createElement("p");
      p.innerHTML = "";
      p.appendChild(document.createTextNode(t.with_you + " "));
      var code = document.createElement("span"); code.className = "ticket"; code.textContent = ticket.code; p.appendChild(code);
      p.appendChild(document.createTextNode(" — " + config.themes[ticket.theme] + " "));
      p.appendChild(button(t.close, function () { act(api("POST", "/api/queue/" + ticket.id + "/close")); }, "primary close"));
      p.appendChild(transferControls(ticket));
      box.appendChild(p);
    });
    var list = document.getElementById("queue-list");
    list.innerHTML = "";
    var byTheme = {};
    data.waiting.forEach(function (ticket) { (byTheme[ticket.theme] = byTheme[ticket.theme] || []).push(ticket); });
    var themes = Object.keys(byTheme);
    if (!themes.length) { var p = document.createElement("p"); p.textContent = t.none; list.appendChild(p); }
    themes.forEach(function (theme) {
      var card = document.createElement("section"); card.className = "queue-card";
      var h = document.createElement("h2"); h.textContent = config.themes[theme] + " (" + byTheme[theme].length + ")";
      card.appendChild(h);
      var ul = document.createElement("ul");
      byTheme[theme].forEach(function (ticket) {
        var li = document.createElement("li"); li.dataset.ticket = ticket.code;
        var code = document.createElement("span"); code.className = "ticket"; code.textContent = ticket.code; li.appendChild(code);
        li.appendChild(document.createTextNode(" " + t.waiting_since + " " + minutes(ticket.arrived_at) + " " + t.minutes +
          (ticket.reserved_for === config.me ? " — " + t.reserved : "")));
        if (config.can_call) li.appendChild(button(t.call, function () { act(api("POST", "/api/queue/" + ticket.id + "/call")); }));
        li.appendChild(button(t.left, function () { act(api("POST", "/api/queue/" + ticket.id + "/left")); }));
        li.appendChild(transferControls(ticket));
        ul.appendChild(li);
      });
      card.appendChild(ul);
      list.appendChild(card);
    });
    version += 1;
    app.dataset.version = String(version);
    app.dataset.waiting = String(data.waiting.length);
  }
  var focused = null;
  function refresh() {
    // Do not redraw under an open drop-down.
    if (document.activeElement && document.activeElement.tagName === "SELECT") return Promise.resolve();
    return api("GET", "/api/queue?cite=" + encodeURIComponent(config.cite)).then(render).catch(function (e) { status(e.message); });
  }
  function callNext() {
    act(api("POST", "/api/queue/next", { cite: config.cite })).then(function (ticket) {
      status(ticket ? ticket.code : t.none);
    });
  }
  document.getElementById("call-next").onclick = callNext;
  if (!config.can_call) document.getElementById("call-next").hidden = true;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || (e.target && /SELECT|INPUT/.test(e.target.tagName))) return;
    if (e.key.toUpperCase() === "N" && config.can_call) { e.preventDefault(); callNext(); }
  });
  refresh();
  setInterval(refresh, 2000);
})();
