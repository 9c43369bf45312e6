// The field app: routing, the always-visible sync status bar, the service
// worker and its clean updates.
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import * as screens from "./screens.js";
import { events, running, state, sync } from "./sync.js";
import { clear, formatTime, h } from "./ui.js";

const root = document.getElementById("screen");
const nav = document.getElementById("nav");
const netEl = document.getElementById("status-net");
const textEl = document.getElementById("status-text");
const lastEl = document.getElementById("status-last");
const syncButton = document.getElementById("sync-now");
let registration = null;
let rendering = Promise.resolve();

document.documentElement.lang = lang;
document.title = t.appName;

async function updateStatus() {
  const [waiting, meta] = await Promise.all([store.outboxCount(), store.allMeta()]);
  const online = navigator.onLine;
  netEl.textContent = online ? t.online : t.offline;
  netEl.className = online ? "net online" : "net offline";
  let text;
  if (state.running) {
    const p = state.progress;
    if (state.phase === "photos" && p) text = t.uploadingPhotos(p[0], p[1]);
    else if (state.phase === "push" && p) text = t.pushing(p[0], p[1]);
    else if (state.phase === "pull") text = t.pulling(p || 0);
    else text = t.syncing;
  } else {
    text = waiting ? t.waiting(waiting) : t.nothingWaiting;
    if (state.error && !state.needsSignIn && online) text += ` · ${t.syncFailed}`;
  }
  textEl.textContent = text;
  textEl.dataset.waiting = String(waiting);
  document.getElementById("status").classList.toggle("busy", state.running);
  lastEl.textContent = meta.last_sync_at ? t.lastSync(formatTime(meta.last_sync_at, lang)) : t.neverSynced;
  syncButton.textContent = t.syncNow;
  syncButton.hidden = !meta.token;
  syncButton.disabled = state.running;
}

function renderNav(signedIn) {
  nav.hidden = !signedIn;
  if (!signedIn || nav.childElementCount) return;
  const links = [["#/households", t.households], ["#/tasks", t.tasks], ["#/patrol", t.patrol],
                 ["#/sync", t.syncPage], ["#/settings", t.settings]];
  nav.append(...links.map(([href, label]) => h("a", { href, text: label })));
}

function markCurrent() {
  const path = location.hash.split("?")[0];
  for (const a of nav.querySelectorAll("a")) {
    const on = path.startsWith(a.getAttribute("href")) || (a.getAttribute("href") === "#/households" && path.startsWith("#/h/"));
    if (on) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function route() {
  const meta = await store.allMeta();
  const signedIn = !!meta.token;
  const [path, query] = (location.hash.slice(1) || "/households").split("?");
  const params = new URLSearchParams(query || "");
  renderNav(signedIn);
  const view = h("div", { class: "view" });
  if (!signedIn) {
    await screens.signInScreen(view, { expired: !!meta.user && state.needsSignIn });
  } else if (path === "/households" || path === "/" || path === "/sign-in") {
    await screens.householdsScreen(view, params);
  } else if (/^\/h\/[^/]+\/edit$/.test(path)) {
    await screens.editHouseholdScreen(view, path.split("/")[2]);
  } else if (path.startsWith("/h/")) {
    await screens.householdScreen(view, path.split("/")[2]);
  } else if (path === "/tasks") {
    await screens.tasksScreen(view);
  } else if (path === "/visit") {
    await screens.visitScreen(view, params);
  } else if (path === "/patrol") {
    await screens.patrolScreen(view);
  } else if (path === "/sync") {
    await screens.syncScreen(view);
  } else if (path === "/settings") {
    await screens.settingsScreen(view);
  } else {
    await screens.householdsScreen(view, params);
  }
  clear(root).append(view);
  root.dataset.screen = signedIn ? path : "/sign-in";
  markCurrent();
}

function render() {
  rendering = rendering.then(route, route).catch((error) => console.error(error));
  return rendering;
}

// Data changed under a screen that is not a form: show the new data.
function refreshIfIdle() {
  const active = document.activeElement;
  const editing = root.querySelector("form:not([role=search])") || (active && root.contains(active) && active.matches("input"));
  if (!editing) render();
}

function offerUpdate() {
  // The new version takes over only when no sync is running; the outbox is in
  // IndexedDB, so the next version finds it and pushes it.
  if (registration?.waiting && !running()) registration.waiting.postMessage({ type: "skip-waiting" });
}

async function startServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  // The first worker taking control of a fresh page is no update; any later change is.
  let controller = navigator.serviceWorker.controller;
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    const previous = controller;
    controller = navigator.serviceWorker.controller;
    if (!previous || reloading) return;
    reloading = true;
    textEl.textContent = t.updating;
    location.reload();
  });
  try {
    registration = await navigator.serviceWorker.register("/sw.js", { scope: "/", type: "classic" });
  } catch {
    return;
  }
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate();
    });
  });
  offerUpdate();
  if (navigator.onLine) registration.update().catch(() => null);
}

events.addEventListener("state", () => updateStatus());
events.addEventListener("changed", () => {
  screens.invalidate();
  updateStatus();
});
events.addEventListener("idle", async () => {
  offerUpdate();
  if (state.needsSignIn) {
    render();
  } else {
    refreshIfIdle();
  }
});
events.addEventListener("upgrade", async () => {
  textEl.textContent = t.updating;
  try {
    await registration?.update();
  } catch {
    /* offline: try again later */
  }
  offerUpdate();
});

screens.app.onChange = () => updateStatus();
screens.app.sync = () => sync();
screens.app.signedIn = async () => {
  state.needsSignIn = false;
  location.hash = "#/households";
  await render();
  await sync();
};

syncButton.addEventListener("click", () => sync());
window.addEventListener("hashchange", () => {
  screens.forgetFlash();
  render();
});
window.addEventListener("online", () => {
  updateStatus();
  registration?.update().catch(() => null);
  sync();
});
window.addEventListener("offline", updateStatus);

async function boot() {
  const meta = await store.allMeta();
  document.documentElement.classList.toggle("large", !!meta.large_text);
  await updateStatus();
  await render();
  startServiceWorker();
  if (meta.token) sync();
}

boot();
