// The field app: routing, the always-visible sync status bar, the service
// worker and its clean updates.
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import * as requests from "./requests.js";
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
// The screens a resident has: their requests, sync and settings.
const RESIDENT_PATHS = /^\/(requests|request\/[^/]+|sync|settings)$/;
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

// Residents see their own requests; workers their households, tasks, patrols and the area's requests.
function renderNav(signedIn, user) {
  nav.hidden = !signedIn;
  const role = signedIn ? user?.role || "" : "";
  if (!signedIn || nav.dataset.role === role) return;
  nav.dataset.role = role;
  const links = requests.isResident(user)
    ? [["#/requests", t.myRequests], ["#/request/new", t.newRequest], ["#/sync", t.syncPage], ["#/settings", t.settings]]
    : [["#/households", t.households], ["#/tasks", t.tasks], ["#/requests", t.requests], ["#/patrol", t.patrol],
       ["#/sync", t.syncPage], ["#/settings", t.settings]];
  clear(nav).append(...links.map(([href, label]) => h("a", { href, text: label })));
}

function markCurrent() {
  const path = location.hash.split("?")[0];
  for (const a of nav.querySelectorAll("a")) {
    const href = a.getAttribute("href");
    const on = path === href || (href === "#/households" && path.startsWith("#/h/")) ||
      (href === "#/requests" && path.startsWith("#/request/") && path !== "#/request/new");
    if (on) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function route() {
  const meta = await store.allMeta();
  const signedIn = !!meta.token;
  const resident = requests.isResident(meta.user);
  const home = resident ? "/requests" : "/households";
  let [path, query] = (location.hash.slice(1) || home).split("?");
  if (path === "/" || path === "/sign-in" || (resident && !RESIDENT_PATHS.test(path))) path = home;
  const params = new URLSearchParams(query || "");
  renderNav(signedIn, meta.user);
  const view = h("div", { class: "view" });
  if (!signedIn) {
    await screens.signInScreen(view, { expired: !!meta.user && state.needsSignIn });
  } else if (path === "/requests") {
    await requests.requestsScreen(view);
  } else if (path === "/request/new") {
    await requests.newRequestScreen(view, params);
  } else if (path.startsWith("/request/")) {
    await requests.requestScreen(view, path.split("/")[2]);
  } else if (path === "/households") {
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

// A form that may be redrawn while nothing has been typed, ticked or chosen in it (a request's steps).
function untouched(form) {
  return form.dataset.refresh === "idle" && Array.from(form.elements).every((el) =>
    (el.type === "checkbox" || el.type === "radio" ? !el.checked
      : el.type === "file" ? !el.files?.length : !("value" in el) || el.tagName === "BUTTON" || !el.value));
}

// Data changed under a screen that is not a form being filled in: show the new data.
function refreshIfIdle() {
  const active = document.activeElement;
  const forms = Array.from(root.querySelectorAll("form:not([role=search])"));
  const editing = forms.some((form) => !untouched(form)) ||
    (active && root.contains(active) && active.matches("input, textarea"));
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
  const user = await store.getMeta("user");
  if (requests.isResident(user) && (await store.getMeta("large_text")) === undefined) {
    // Residents are often elderly: large text unless they turned it off.
    await store.setMeta("large_text", true);
    document.documentElement.classList.add("large");
  }
  location.hash = requests.isResident(user) ? "#/requests" : "#/households";
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
