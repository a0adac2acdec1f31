/* The waiting room's screen: the ticket called now and the previous calls, polled every three seconds. */
(function () {
  "use strict";
  var root = document.getElementById("now-calling");
  function label(call) { return call.code + (call.place ? " → " + call.place : ""); }
  function show() {
    fetch("/api/public/" + encodeURIComponent(root.dataset.cite) + "/now-calling", { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); }).then(function (calls) {
        var current = document.getElementById("current");
        var text = calls.length ? label(calls[0]) : "—";
        if (current.textContent !== text) current.textContent = text;
        var list = document.getElementById("previous");
        list.replaceChildren();
        calls.slice(1).forEach(function (c) {
          var li = document.createElement("li"); li.textContent = label(c); list.appendChild(li);
        });
      }).catch(function () {});
  }
  show(); setInterval(show, 3000);
})();
