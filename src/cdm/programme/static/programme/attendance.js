// The attendance page: + and − buttons (one tap, one person), and a saving that survives the network
// going away, in the desk's outbox (cdm/outbox.js, IndexedDB): each entry gets a UUID (its
// idempotency key) and waits there, one per session (the last entered wins); the outbox is sent to
// the API whenever the network allows, and the server applies an entry once however often it
// arrives (a lost answer, two tabs, a stale resend). No inline script (CSP).
(() => {
  const outbox = window.CdmOutbox("cdm-programme", "url");
  const form = document.getElementById("attendance-form");

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.step");
    if (!button) return;
    const input = document.getElementById(button.dataset.target);
    if (!input) return;
    const next = Math.max(0, (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10));
    input.value = String(next);
  });

  if (!form) return;
  const status = document.getElementById("attendance-status");
  const csrf = () => form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const say = (text) => { status.textContent = text; };

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
      const r = crypto.getRandomValues(new Uint8Array(1))[0] & 15;
      return (c === "x" ? r : (r & 3) | 8).toString(16);
    });
  }

  function body() {
    const tally = {};
    for (const input of form.querySelectorAll("input[type=number]")) {
      const [family, code] = input.name.split("-");
      const n = parseInt(input.value, 10) || 0;
      if (code && n) (tally[family] = tally[family] || {})[code] = n;
    }
    const total = form.querySelector("#participants").value.trim();
    return { participants: total === "" ? null : parseInt(total, 10), tally, entry: uuid() };
  }

  async function send(url, payload) {
    const response = await fetch(url, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
      body: JSON.stringify(payload),
    });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      const reason = (data.errors || []).map((e) => e.reason).join(" ; ");
      throw Object.assign(new Error(reason || form.dataset.error), { refused: true });
    }
  }

  // Whatever is sent leaves the outbox only if it is still the entry that was sent (a newer one,
  // entered meanwhile, stays for the next round).
  async function done(url, payload) {
    const waiting = await outbox.get(url);
    if (waiting && waiting.payload.entry === payload.entry) await outbox.remove(url);
  }

  let sending = false;
  async function flush() {
    if (sending) return;
    sending = true;
    try { await flushAll(); } finally { sending = false; }
  }

  async function flushAll() {
    for (const { url, payload } of await outbox.all()) {
      try {
        await send(url, payload);
        await done(url, payload);
        if (url === form.dataset.api) { say(form.dataset.saved); form.dataset.synced = "1"; }
      } catch (error) {
        if (error.refused) { await done(url, payload); say(error.message); }
        return; // still offline: try again later
      }
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = body();
    await outbox.put({ url: form.dataset.api, payload }); // the last entry for a session wins
    if (!navigator.onLine) { say(form.dataset.pending); return; }
    try {
      await send(form.dataset.api, payload);
      await done(form.dataset.api, payload);
      say(form.dataset.saved);
      form.dataset.synced = "1";
    } catch (error) {
      if (error.refused) { await done(form.dataset.api, payload); say(error.message); }
      else say(form.dataset.pending);
    }
  });

  // An entry still waiting for this session (entered offline, then the page reloaded without
  // network: the page is the service worker's copy, older than the entry): shown as it was entered.
  async function showWaiting() {
    const waiting = await outbox.get(form.dataset.api);
    if (!waiting) return;
    const { participants, tally } = waiting.payload;
    form.querySelector("#participants").value = participants === null ? "" : String(participants);
    for (const input of form.querySelectorAll("input[type=number]")) {
      const [family, code] = input.name.split("-");
      if (code) input.value = String((tally[family] || {})[code] || 0);
    }
    say(form.dataset.pending);
  }

  // The service worker (cdm/sw.js): this page and its files open again without network. The page
  // that installs it was loaded before it: it asks the worker to keep it now.
  function keepOffline() {
    if (!("serviceWorker" in navigator) || !form.dataset.sw) return;
    navigator.serviceWorker.register(form.dataset.sw, { scope: form.dataset.swScope })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        if (!navigator.onLine) return;
        const files = [location.href];
        document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach((el) => files.push(el.href || el.src));
        const channel = new MessageChannel();
        channel.port1.onmessage = (e) => { if (!e.data.failed) form.dataset.cached = "1"; };
        registration.active.postMessage({ keep: files }, [channel.port2]);
      })
      .catch(() => {});
  }

  window.addEventListener("online", flush);
  setInterval(flush, 10000);
  showWaiting().then(flush);
  keepOffline();
})();
