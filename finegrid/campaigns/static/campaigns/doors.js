/* The doors page on a flaky connection. A tap on an outcome stores the visit in the
 * page's queue (localStorage, so it survives a reload or a closed tab) with an id made
 * here (client_id); the queue is sent in order whenever the connection allows: at once,
 * when the browser says it is back online, and every few seconds. The server answers a
 * client_id it has seen with the first record, so sending one twice never counts twice.
 * The service worker (/campaigns/sw.js) keeps the page itself for offline reloads. */
(function () {
  "use strict";

  const root = document.getElementById("doors");
  if (!root) return;
  const KEY = `finegrid-visits-${root.dataset.campaign}`;
  const FINAL = new Set(JSON.parse(root.dataset.final));
  const text = (id) => document.getElementById(id).innerHTML.trim();

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function queue() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function store(items) {
    localStorage.setItem(KEY, JSON.stringify(items));
    render();
  }

  function door(household) {
    return root.querySelector(`.door[data-household="${household}"]`);
  }

  function label(outcome) {
    const button = root.querySelector(`button[data-outcome="${outcome}"]`);
    return button ? button.textContent : outcome;
  }

  function render() {
    const items = queue();
    const pending = document.getElementById("pending");
    pending.dataset.count = String(items.length);
    pending.textContent = items.length ? text("pending-text").replace("{n}", items.length) : text("synced-text");
    root.querySelectorAll(".door").forEach((li) => li.classList.remove("pending"));
    for (const item of items) {
      const li = door(item.household);
      if (li) {
        li.classList.add("pending");
        li.dataset.outcome = item.outcome;
        li.querySelector(".state").textContent = label(item.outcome);
      }
    }
    const done = Array.from(root.querySelectorAll(".door")).filter((li) => FINAL.has(li.dataset.outcome)).length;
    document.getElementById("done-count").textContent = String(done);
  }

  function answers(li) {
    const found = {};
    li.querySelectorAll("[data-answer]").forEach((input) => {
      if (input.value === "") return;
      const type = input.dataset.type;
      found[input.dataset.answer] = type === "yes_no" ? input.value === "true" : type === "number" ? Number(input.value) : input.value;
    });
    return found;
  }

  function setNet(online) {
    document.getElementById("net").textContent = online ? "" : text("offline-text");
  }

  // POST ``body`` as JSON to the API: the response, or null when the network failed.
  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
        body: JSON.stringify(body),
      });
    } catch (error) {
      setNet(false);
      return null;
    }
    setNet(true);
    return response;
  }

  // A send answered so is tried again later (server trouble, the session gone), not
  // settled for good.
  function retryLater(status) {
    return status >= 500 || status === 401 || status === 403;
  }

  // The whole queue in one request (POST …/visits/batch): all stored, or, if one item is
  // refused, nothing stored — then the items go one by one below, each settled alone.
  // Answers true when the queue was settled, null when an item was refused, false when
  // the network or server failed.
  async function sendQueue(items) {
    const response = await post(`${root.dataset.api}/batch`, { visits: items.slice(0, 500) });
    if (!response) return false;
    if (!response.ok) return response.status >= 400 && !retryLater(response.status) ? null : false;
    const sent = new Set(items.slice(0, 500).map((item) => item.client_id));
    store(queue().filter((queued) => !sent.has(queued.client_id)));
    return true;
  }

  let sending = false;
  async function flush() {
    if (sending) return;
    sending = true;
    try {
      while (queue().length > 1) {
        const settled = await sendQueue(queue());
        if (settled === false) return;
        if (settled === null) break;
      }
      for (;;) {
        const item = queue()[0];
        if (!item) break;
        const response = await post(root.dataset.api, item);
        if (!response || retryLater(response.status)) break;
        // Stored (201), stored before (200), or refused for good (400, 404, 409): either
        // way this item is settled; a refusal is shown on its door.
        store(queue().filter((queued) => queued.client_id !== item.client_id));
        if (!response.ok) {
          const li = door(item.household);
          const body = await response.json().catch(() => ({}));
          if (li) li.querySelector(".state").textContent = (body.problems || [body.detail]).join("; ");
        }
      }
    } finally {
      sending = false;
    }
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-outcome]");
    if (!button) return;
    const li = button.closest(".door");
    const note = li.querySelector(".note");
    const item = {
      client_id: newId(),
      household: Number(li.dataset.household),
      outcome: button.dataset.outcome,
      answers: answers(li),
      note: note ? note.value : "",
      at: new Date().toISOString(),
    };
    store(queue().concat([item]));
    flush();
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", () => setNet(false));
  setInterval(flush, 5000);
  render();
  flush();

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: "/campaigns/" }).then(() => {
      // Keep this page and its assets now, so that a reload without a connection works.
      const assets = JSON.parse(root.dataset.assets);
      return caches.open(root.dataset.cache).then((cache) => cache.addAll([location.pathname, ...assets]));
    }).then(() => { root.dataset.offlineReady = "1"; }).catch(() => {});
  }
})();
