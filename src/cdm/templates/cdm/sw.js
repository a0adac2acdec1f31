/* A service worker for staff pages that must open without network: the desk, a session's attendance.
 * One script for each of them, rendered with its scope, its cache and the pages it keeps
 * (cdm.lib.service_worker). Within its scope:
 *   - a page it keeps: network first (its copy is refreshed at each visit), the kept copy when offline;
 *   - any other page (never kept: it may show what a device must not keep): network only;
 *   - a page with no copy, when offline: a short notice saying so (status 503), never another page;
 *   - static files: cache first (the copy refreshed behind it when the network answers).
 * The API and every request other than GET are never cached: the screens keep what they record in
 * IndexedDB (cdm/outbox.js) and send it when the network is back.
 * A page may ask for itself and its files to be kept at once ({keep: [urls]}, answered on the port
 * given): the page the worker was installed from was loaded before the worker existed. */
const CACHE = "{{ cache|escapejs }}";
const SCOPE = "{{ scope|escapejs }}";
const STATIC = "{{ static_url|escapejs }}";
const API = "{{ api_url|escapejs }}";
const PAGES = [{% for page in pages %}new RegExp("{{ page|escapejs }}"){% if not forloop.last %}, {% endif %}{% endfor %}];
const OFFLINE = "{{ offline|escapejs }}";

const kept = (url) => PAGES.some((page) => page.test(url.pathname));
const keepable = (url) =>
  url.origin === self.location.origin && !url.pathname.startsWith(API)
  && (url.pathname.startsWith(STATIC) || (url.pathname.startsWith(SCOPE) && kept(url)));
const worthKeeping = (response) => response.ok && response.type === "basic" && !response.redirected;

function offline() {
  return new Response(OFFLINE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("install", () => { self.skipWaiting(); });
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", (event) => {
  const port = event.ports && event.ports[0];
  const urls = ((event.data && event.data.keep) || [])
    .map((href) => new URL(href, self.location.href))
    .filter(keepable)
    .map((url) => url.href);
  event.waitUntil(
    caches.open(CACHE).then((c) => c.addAll(urls))
      .then(() => { if (port) port.postMessage({ kept: urls.length }); },
        () => { if (port) port.postMessage({ kept: 0, failed: true }); })
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith(API)) return;
  if (request.mode === "navigate" && url.pathname.startsWith(SCOPE)) {
    if (!kept(url)) {
      event.respondWith(fetch(request).catch(offline));
      return;
    }
    event.respondWith(
      fetch(request).then((response) => {
        if (worthKeeping(response)) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(request, copy)); }
        return response;
      }).catch(() => caches.open(CACHE).then((c) => c.match(request, { ignoreVary: true })
        .then((hit) => hit || c.match(request, { ignoreSearch: true, ignoreVary: true }))
        .then((hit) => hit || offline())))
    );
    return;
  }
  if (url.pathname.startsWith(STATIC)) {
    // The kept copy at once; refreshed behind it when the network answers (the next load has a new one).
    event.respondWith(
      caches.open(CACHE).then((c) => {
        const fresh = fetch(request).then((response) => {
          if (worthKeeping(response)) c.put(request, response.clone());
          return response;
        });
        return c.match(request).then((hit) => {
          if (hit) { event.waitUntil(fresh.catch(() => null)); return hit; }
          return fresh;
        });
      })
    );
  }
});
