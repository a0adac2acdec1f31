/* An import running in the background: ask where it stands every second, show it, and show the
   result (the page itself, reloaded) once it has ended. */
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box) return;
  var bar = document.getElementById("job-progress"), status = document.getElementById("job-status");
  var text = box.dataset;
  var said = status.textContent;

  function say(message) {
    // The live region speaks each change once, not every second.
    if (message !== said) { status.textContent = message; said = message; }
  }

  function show(state) {
    if (state.finished) {
      bar.value = 100;
      say(text.finished);
      window.location.reload();
      return false;
    }
    if (state.status === "queued") { bar.removeAttribute("value"); say(text.queued); return true; }
    if (typeof state.fraction === "number") { bar.value = Math.round(100 * state.fraction); }
    else { bar.removeAttribute("value"); }
    if (!state.table) { say(text.starting); return true; }
    var phase = state.phase === "writing" ? text.writing : text.checking;
    var rows = typeof state.rows === "number" ? " (" + state.rows.toLocaleString(document.documentElement.lang) + " " + text.rows + ")" : "";
    say(phase + " — " + state.table + rows);
    return true;
  }

  function poll() {
    fetch(text.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (state) { if (show(state)) window.setTimeout(poll, 1000); })
      .catch(function () { say(text.lost); window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 1000);
})();
