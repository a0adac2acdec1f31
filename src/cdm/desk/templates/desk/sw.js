/* The desk's service worker: the desk page and its files stay available without network.
 * Pages: network first, the cached copy when offline. Static files: cache first.
 * The API is never cached: the page keeps unsent visits in IndexedDB and retries. */
const CACHE = "cdm-desk-v1";
const DESK = "{{ desk_url|escapejs }}";

self.addEventListener("install", (event) => { self.skipWaiting(); });
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname.startsWith(DESK)) {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(request, copy)); }
        return response;
      }).catch(() => caches.open(CACHE).then((c) => c.match(request, { ignoreSearch: false })
        .then((hit) => hit || c.match(request, { ignoreSearch: true }))))
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.open(CACHE).then((c) => c.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) c.put(request, response.clone());
        return response;
      })))
    );
  }
});
