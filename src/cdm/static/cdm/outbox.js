/* The device's outbox: what a screen records waits here (IndexedDB, in this browser) until the
 * server has it, so that a bus without network loses nothing. One outbox for every screen that
 * records offline — the desk's visits, a session's attendance — each in its own database.
 *
 *   var box = CdmOutbox("cdm-desk", "uid");   // a database name, the key of an item
 *   box.put(item).then(...); box.all(); box.get(key); box.remove(key);
 *
 * Items are sent by their screen, each with its idempotency key: the server applies a key once,
 * however often it arrives (a lost answer, two tabs, a resend after the network came back). */
(function () {
  "use strict";
  window.CdmOutbox = function (name, keyPath) {
    var opened = null;
    function db() {
      if (!opened) {
        opened = new Promise(function (resolve, reject) {
          var request = indexedDB.open(name, 1);
          request.onupgradeneeded = function () { request.result.createObjectStore("outbox", { keyPath: keyPath }); };
          request.onsuccess = function () { resolve(request.result); };
          request.onerror = function () { reject(request.error); };
        });
      }
      return opened;
    }
    function store(mode, fn) {
      return db().then(function (d) {
        return new Promise(function (resolve, reject) {
          var tx = d.transaction("outbox", mode);
          var result = fn(tx.objectStore("outbox"));
          tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : undefined); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }
    return {
      all: function () { return store("readonly", function (s) { return s.getAll(); }); },
      get: function (key) { return store("readonly", function (s) { return s.get(key); }); },
      put: function (item) { return store("readwrite", function (s) { s.put(item); }); },
      remove: function (key) { return store("readwrite", function (s) { s.delete(key); }); }
    };
  };
})();
