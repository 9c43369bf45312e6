// The field app: routing, the always-visible sync status bar, the service
// worker and its clean updates. The screens are the areas': each module the
// server names (static/app/config.js) exports its `routes`, and this file
// only puts them together, so adding an area does not edit it.
import { config } from "./config.js";
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import * as lock from "./lock.js";
import * as lockscreen from "./lockscreen.js";
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

// A route: `path` (a string, or a RegExp on the hash's path), `for` (the audiences that have it:
// "resident", "worker"), `screen(view, { path, params, parts })`, optionally `home` (the audience
// it is the first screen of), `nav` ([{ for, label (a key of t), order }]) and `owns(path)` (the
// other paths its navigation link stands for).
const CORE_ROUTES = [
  { path: "/sync", for: ["resident", "worker"], screen: (view) => screens.syncScreen(view),
    nav: [{ for: "resident", label: "syncPage", order: 90 }, { for: "worker", label: "syncPage", order: 90 }] },
  { path: "/settings", for: ["resident", "worker"], screen: (view) => screens.settingsScreen(view),
    nav: [{ for: "resident", label: "settings", order: 100 }, { for: "worker", label: "settings", order: 100 }] },
];
const areaModules = await Promise.all(config.modules.map((name) => import(`./${name}`)));
const ROUTES = [...areaModules.flatMap((module) => module.routes || []), ...CORE_ROUTES];

function isResident(user) {
  return user?.role === "resident";
}

function audienceOf(user) {
  return isResident(user) ? "resident" : "worker";
}

function matches(route, path) {
  return typeof route.path === "string" ? route.path === path : route.path.test(path);
}

function findRoute(path, audience) {
  return ROUTES.find((route) => route.for.includes(audience) && matches(route, path));
}

function homeOf(audience) {
  const route = ROUTES.find((r) => r.home === audience) || CORE_ROUTES[0];
  return route.path;
}

document.documentElement.lang = lang;
document.title = t.appName;

async function updateStatus() {
  // Locked, the phone's sealed meta cannot be read: only what is plain shows.
  const [waiting, meta] = await Promise.all([store.outboxCount(), lock.isLocked() ? {} : store.allMeta()]);
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
  const audience = audienceOf(user);
  const links = ROUTES.flatMap((route) => (route.nav || []).filter((item) => item.for === audience)
    .map((item) => ({ ...item, href: `#${route.path}` })));
  links.sort((a, b) => a.order - b.order);
  clear(nav).append(...links.map(({ href, label }) => h("a", { href, text: t[label] })));
}

function markCurrent() {
  const path = location.hash.split("?")[0];
  for (const a of nav.querySelectorAll("a")) {
    const href = a.getAttribute("href");
    const route = ROUTES.find((r) => `#${r.path}` === href);
    const on = path === href || !!route?.owns?.(path.slice(1));
    if (on) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

// A finger (or mouse button) is down: the page is not swapped under it, or the tap that began on a
// button would end on its redrawn copy and be lost (a sync's redraw at the door, between two ticks).
let pressed = false;
const released = [];
window.addEventListener("pointerdown", () => { pressed = true; }, { capture: true, passive: true });
for (const type of ["pointerup", "pointercancel"]) {
  window.addEventListener(type, () => {
    pressed = false;
    // After the click that follows the release has run.
    setTimeout(() => { for (const resolve of released.splice(0)) resolve(); }, 0);
  }, { capture: true, passive: true });
}

function pointerReleased() {
  if (!pressed) return Promise.resolve();
  return new Promise((resolve) => {
    released.push(resolve);
    setTimeout(resolve, 1500); // a release the page never saw
  });
}

async function lockedRoute() {
  renderNav(false, null);
  const view = h("div", { class: "view" });
  lockscreen.lockScreen(view);
  clear(root).append(view);
  root.dataset.screen = "/lock";
}

async function route(refresh = false) {
  if (lock.isLocked()) return lockedRoute();
  const meta = await store.allMeta();
  const signedIn = !!meta.token;
  const audience = audienceOf(meta.user);
  const home = homeOf(audience);
  let [path, query] = (location.hash.slice(1) || home).split("?");
  if (path === "/" || path === "/sign-in" || (audience === "resident" && !findRoute(path, audience))) path = home;
  const params = new URLSearchParams(query || "");
  renderNav(signedIn, meta.user);
  const view = h("div", { class: "view" });
  // A PIN comes first: after a sign-in (the token waits in memory) or for an app version that had no lock.
  const pinFirst = !!lock.pendingSignIn() || (signedIn && lock.required(meta.user) && !lock.isSealing());
  if (pinFirst) renderNav(false, null);
  if (pinFirst) {
    lockscreen.pinSetupScreen(view);
  } else if (!signedIn) {
    await screens.signInScreen(view, { expired: !!meta.user && state.needsSignIn, notice: meta.wiped ? "wiped"
      : meta.erased ? "erased" : null });
  } else {
    // A path no screen has shows the first screen (the path stays, as it was typed).
    const found = findRoute(path, audience) || findRoute(home, audience);
    await found.screen(view, { path, params, parts: path.split("/") });
  }
  await pointerReleased();
  // A refresh was asked while nothing was being typed; if typing began meanwhile (a field took the
  // focus), the screen stays as it is and shows the new data at the next refresh.
  if (refresh && editing()) return;
  clear(root).append(view);
  root.dataset.screen = pinFirst ? "/pin" : signedIn ? path : "/sign-in";
  markCurrent();
}

function render(refresh = false) {
  const step = () => route(refresh);
  rendering = rendering.then(step, step).catch((error) => console.error(error));
  return rendering;
}

// A form that may be redrawn while nothing has been typed, ticked or chosen in it (a request's steps).
function untouched(form) {
  return form.dataset.refresh === "idle" && Array.from(form.elements).every((el) =>
    (el.type === "checkbox" || el.type === "radio" ? !el.checked
      : el.type === "file" ? !el.files?.length : !("value" in el) || el.tagName === "BUTTON" || !el.value));
}

// A form being filled in, or a field holding the focus.
function editing() {
  const active = document.activeElement;
  const forms = Array.from(root.querySelectorAll("form:not([role=search])"));
  return forms.some((form) => !untouched(form)) || !!(active && root.contains(active) && active.matches("input, textarea"));
}

// Data changed under a screen that is not a form being filled in: show the new data.
function refreshIfIdle() {
  if (!editing()) render(true);
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
  const user = (await store.getMeta("user")) || lock.pendingSignIn()?.user;
  if (isResident(user) && (await store.getMeta("large_text")) === undefined) {
    // Residents are often elderly: large text unless they turned it off.
    await store.setMeta("large_text", true);
    document.documentElement.classList.add("large");
  }
  location.hash = `#${homeOf(audienceOf(user))}`;
  await render();
  await sync();
};

lockscreen.hooks.pinSet = () => screens.app.signedIn();
lockscreen.hooks.unlocked = async () => {
  await updateStatus();
  await render();
  sync();
};
lockscreen.hooks.erased = () => {
  state.needsSignIn = false;
  screens.invalidate();
  location.hash = "#/sign-in";
  render();
  updateStatus();
};
events.addEventListener("wiped", () => {
  screens.invalidate();
  location.hash = "#/sign-in";
});

// Locked after INACTIVITY_MS without a touch or a key; a running sync finishes first.
let lastTouch = Date.now();
for (const type of ["pointerdown", "keydown", "touchstart"]) {
  window.addEventListener(type, () => {
    lastTouch = Date.now();
  }, { passive: true, capture: true });
}
function lockWhenIdle() {
  if (lock.isSealing() && !lock.isLocked() && !running() && Date.now() - lastTouch >= lock.INACTIVITY_MS) {
    lockNow();
  }
}
setInterval(lockWhenIdle, 15_000);
document.addEventListener("visibilitychange", lockWhenIdle);

function lockNow() {
  lock.lockNow();
  screens.invalidate(); // the in-memory index of households goes too
  updateStatus();
  render();
}
screens.app.lockNow = () => lockNow();

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
  await lock.load();
  document.documentElement.classList.toggle("large", !!(await store.getMeta("large_text")));
  await updateStatus();
  await render();
  startServiceWorker();
  if (!lock.isLocked() && (await store.getMeta("token"))) sync();
}

boot();
