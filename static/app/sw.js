// The field app's service worker. The server renders the build id and the
// precache list into this file, so a deploy changes the cache name.
/* global self, caches, clients */
const BUILD = "__BUILD__";
const PRECACHE = ["__PRECACHE__"];
const CACHE = "linli-shell-" + BUILD;
const SHELL = "/app/";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("linli-shell-") && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

// The page says when it is idle (no sync running); only then does a waiting
// version take over. The outbox lives in IndexedDB, so nothing is stranded.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
  if (event.data && event.data.type === "build" && event.ports[0]) event.ports[0].postMessage(BUILD);
});

async function shellFirst(event) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(SHELL);
  const update = fetch(SHELL, { credentials: "same-origin" }).then((response) => {
    if (response.ok) return cache.put(SHELL, response.clone()).then(() => response);
    return response;
  });
  if (cached) {
    event.waitUntil(update.catch(() => null));
    return cached;
  }
  return update;
}

async function staticFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // network only, never cached
  if (request.mode === "navigate" && url.pathname.startsWith("/app")) {
    event.respondWith(shellFirst(event));
    return;
  }
  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(staticFirst(request));
  }
});
