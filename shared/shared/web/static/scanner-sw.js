// Service worker of the scanner pages (scope /scanner/): the network first, so an online
// scanner always gets today's page, and the copy the page put in the cache when there is no
// network at all. Only GET requests of the pages and of /static/ are answered from the cache;
// check-in and snapshot calls always go to the network (the page queues what fails).
"use strict";
var CACHE = "tadamon-scanner-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function cacheable(request) {
  if (request.method !== "GET") { return false; }
  var path = new URL(request.url).pathname;
  return request.mode === "navigate" || path.indexOf("/static/") === 0;
}

self.addEventListener("fetch", function (event) {
  if (!cacheable(event.request)) { return; }
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(event.request, copy); });
    }
    return response;
  }).catch(function () {
    // Pages vary by Accept-Language, which the cached copy's request may not have carried the same
    // way: the language is in the page's own ?lang=, so Vary is ignored here.
    return caches.match(event.request, { ignoreVary: true }).then(function (hit) {
      return hit || caches.match(event.request, { ignoreSearch: true, ignoreVary: true });
    }).then(function (hit) { return hit || Response.error(); });
  }));
});
