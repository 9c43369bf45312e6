// The screens. Each renders from IndexedDB only, never from the network.
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import { processPhoto } from "./photos.js";
import { holdSignIn, isSealing, required } from "./lock.js";
import { append, checkbox, clear, field, formatTime, h } from "./ui.js";

export const app = { flash: null, onChange: () => {}, sync: () => {}, signedIn: () => {}, lockNow: () => {} };

// A message shown on the screen the action leads to, for as long as the worker stays there.
export function say(message) {
  app.flash = { text: message, hash: null };
}

export function flashBox() {
  if (!app.flash || app.flash.hash !== location.hash) return null;
  return h("p", { class: "flash", role: "status", text: app.flash.text });
}

export function forgetFlash() {
  if (app.flash && app.flash.hash !== null && app.flash.hash !== location.hash) app.flash = null;
}

export function go(hash) {
  if (app.flash && app.flash.hash === null) app.flash.hash = hash;
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

function tagBadges(tags) {
  return (tags || []).map((code) => h("span", { class: "badge tag", text: t.tags[code] || code }));
}

export function waitingBadge() {
  return h("span", { class: "badge waiting", text: t.waitingBadge });
}

// ---- households: an in-memory index, rebuilt when local data changes -------
// The list shows at once from the households alone; residents' names join the
// search text on the first search.
let index = null;
let withResidents = null;

export function invalidate() {
  index = null;
  withResidents = null;
}

async function householdIndex() {
  if (index) return index;
  const households = await store.all("households");
  households.sort((a, b) => ((a.address || "") < (b.address || "") ? -1 : (a.address || "") > (b.address || "") ? 1 : 0));
  index = households.map((hh) => ({ record: hh, text: `${hh.head_name || ""} ${hh.address || ""}`.toLowerCase() }));
  return index;
}

async function searchIndex() {
  const entries = await householdIndex();
  if (!withResidents) {
    withResidents = store.all("residents").then((residents) => {
      const names = new Map();
      for (const r of residents) names.set(r.household_id, `${names.get(r.household_id) || ""} ${r.name || ""}`);
      for (const e of entries) e.text = `${e.record.head_name || ""} ${e.record.address || ""}${names.get(e.record.id) || ""}`.toLowerCase();
      return entries;
    });
  }
  return withResidents;
}

export async function searchHouseholds(query, limit = 100) {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const all = terms.length ? await searchIndex() : await householdIndex();
  const hits = terms.length ? all.filter((e) => terms.every((term) => e.text.includes(term))) : all;
  return { total: hits.length, shown: hits.slice(0, limit).map((e) => e.record) };
}

function householdItem(hh, pending) {
  return h("li", { class: "card" },
    h("a", { href: `#/h/${hh.id}`, class: "row-link" },
      h("span", { class: "title", text: hh.address || "" }),
      h("span", { class: "sub", text: `${hh.head_name || ""} · ${t.members(hh.member_count ?? 0)}` }),
      h("span", { class: "badges" }, tagBadges(hh.care_tags), pending.has(hh.id) ? waitingBadge() : null)));
}

export async function householdsScreen(root, params) {
  const query = params.get("q") || "";
  const input = h("input", { type: "search", name: "q", value: query, placeholder: t.search, autocomplete: "off",
                             enterkeyhint: "search" });
  const list = h("ul", { class: "list", id: "household-list" });
  const more = h("p", { class: "hint", id: "household-more" });
  const pending = await store.pendingRecordIds();
  async function render() {
    const { total, shown } = await searchHouseholds(input.value);
    clear(list).append(...shown.map((hh) => householdItem(hh, pending)));
    more.textContent = total > shown.length ? t.moreResults(total - shown.length) : total ? "" : t.noHouseholds;
  }
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      history.replaceState(null, "", `#/households?q=${encodeURIComponent(input.value)}`);
      render();
    }, 120);
  });
  append(root, flashBox(), h("h1", { text: t.households }),
              h("form", { role: "search", class: "search", onsubmit: (e) => { e.preventDefault(); render(); } },
                field(t.searchLabel, input)),
              list, more);
  await render();
  setTimeout(() => searchIndex(), 200); // join the residents' names before the first keystroke
}

// A photo taken on another device (a resident's, or the office's when it resolved a
// request): fetched once while online and kept with the device's own photos.
async function fetchPhoto(sha) {
  const token = await store.getMeta("token");
  if (!token || !navigator.onLine || !/^[0-9a-f]{64}$/.test(sha)) return null;
  try {
    const response = await fetch(`/api/v1/attachments/${sha}`, { headers: { Authorization: `Bearer ${token}` },
                                                                 credentials: "omit" });
    if (!response.ok) return null;
    const blob = await response.blob();
    const photo = { sha256: sha, blob, type: blob.type, uploaded: true, fetched: true };
    await (await store.db()).put("photos", photo);
    return photo;
  } catch {
    return null;
  }
}

export function photoStrip(hashes) {
  const strip = h("div", { class: "photos" });
  for (const sha of hashes || []) {
    store.get("photos", sha).then((p) => p || fetchPhoto(sha)).then((p) => {
      if (p?.blob) strip.append(h("img", { src: URL.createObjectURL(p.blob), alt: t.photos, class: "thumb" }));
    });
  }
  return strip;
}

function visitItem(v, pending) {
  const findings = (v.findings || []).map((f) => t.findingList[f] || f).join("、");
  return h("li", { class: "card visit" },
    h("span", { class: "title", text: formatTime(v.visited_at, lang) }),
    findings ? h("span", { class: "sub", text: findings }) : null,
    v.notes ? h("p", { class: "notes", text: v.notes }) : null,
    h("span", { class: "badges" }, v.follow_up ? h("span", { class: "badge alert", text: t.followUp }) : null,
      pending.has(v.id) ? waitingBadge() : null),
    photoStrip(v.photos));
}

export async function householdScreen(root, id) {
  const hh = await store.get("households", id);
  if (!hh) {
    append(root, h("p", { text: t.unknownHousehold }), h("a", { href: "#/households", class: "button", text: t.back }));
    return;
  }
  const [residents, visits, pending] = await Promise.all([
    store.byHousehold("residents", id), store.byHousehold("visits", id), store.pendingRecordIds()]);
  visits.sort((a, b) => (b.visited_at || "").localeCompare(a.visited_at || ""));
  append(root, flashBox(),
    h("a", { href: "#/households", class: "back", text: t.back }),
    h("h1", { text: hh.address }),
    h("p", { class: "sub", text: hh.head_name }),
    h("p", { class: "badges" }, tagBadges(hh.care_tags), pending.has(id) ? waitingBadge() : null),
    hh.notes ? h("p", { class: "notes", id: "household-notes", text: hh.notes }) : null,
    h("div", { class: "actions" },
      h("a", { href: `#/visit?h=${id}`, class: "button primary", text: t.recordVisit }),
      h("a", { href: `#/h/${id}/edit`, class: "button", text: t.editHousehold }),
      h("a", { href: `#/request/new?h=${id}`, class: "button", text: t.raiseForResident })),
    h("h2", { text: t.residents }),
    h("ul", { class: "list plain" }, residents.map((r) => h("li", {}, h("span", { text: r.name }), " ",
      tagBadges(r.care_tags)))),
    h("h2", { text: t.visitHistory }),
    visits.length ? h("ul", { class: "list", id: "visit-list" }, visits.map((v) => visitItem(v, pending)))
      : h("p", { class: "hint", text: t.noVisits }));
}

export async function editHouseholdScreen(root, id) {
  const hh = await store.get("households", id);
  if (!hh) return householdScreen(root, id);
  const address = h("input", { name: "address", value: hh.address || "", required: true, maxlength: 200 });
  const notes = h("textarea", { name: "notes", rows: 4, maxlength: 2000 });
  notes.value = hh.notes || "";
  const form = h("form", { class: "form" },
    field(t.address, address), field(t.notes, notes),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t.save }),
      h("a", { href: `#/h/${id}`, class: "button", text: t.cancel })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!address.value.trim()) return;
    const n = await store.editHousehold(id, { address: address.value.trim(), notes: notes.value });
    invalidate();
    if (n) say(t.saved);
    app.onChange();
    go(`#/h/${id}`);
  });
  append(root, h("a", { href: `#/h/${id}`, class: "back", text: t.back }), h("h1", { text: t.editHousehold }), form);
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export async function tasksScreen(root) {
  const [tasks, households] = await Promise.all([store.all("visit_tasks"), store.all("households")]);
  const byId = new Map(households.map((x) => [x.id, x]));
  const open = tasks.filter((x) => x.status === "open").sort((a, b) => (a.due_date || "").localeCompare(b.due_date || ""));
  const now = today();
  append(root, flashBox(), h("h1", { text: t.dueTasks }),
    open.length ? h("ul", { class: "list", id: "task-list" }, open.map((task) => {
      const overdue = task.due_date < now;
      const hh = byId.get(task.household_id);
      return h("li", { class: overdue ? "card overdue" : "card" },
        h("a", { href: `#/visit?h=${task.household_id}&task=${task.id}`, class: "row-link" },
          h("span", { class: "title", text: hh ? hh.address : t.unknownHousehold }),
          h("span", { class: "sub", text: [task.reason, t.due(task.due_date)].filter(Boolean).join(" · ") }),
          overdue ? h("span", { class: "badge alert", text: t.overdue }) : null));
    })) : h("p", { class: "hint", text: t.noTasks }));
}

function localDateTimeValue(date = new Date()) {
  const p = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`;
}

function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    const timer = setTimeout(() => resolve(null), 8000);
    navigator.geolocation.getCurrentPosition(
      (pos) => { clearTimeout(timer); resolve({ lat: pos.coords.latitude, lng: pos.coords.longitude,
                                                accuracy: Math.min(pos.coords.accuracy, 100000) }); },
      () => { clearTimeout(timer); resolve(null); },
      { enableHighAccuracy: true, timeout: 7000, maximumAge: 60000 });
  });
}

/** The device's position if the "use my location" box is ticked, null if not or if it cannot be had; says which in status. */
export async function locationIf(box, status) {
  if (!box.querySelector("input").checked) return null;
  status.textContent = t.locating;
  const location = await locate();
  if (!location) status.textContent = t.locationFailed;
  return location;
}

export function photoInput() {
  return h("input", { type: "file", name: "photos", accept: "image/*", capture: "environment", multiple: true });
}

export async function photosOf(input, status) {
  const files = Array.from(input.files || []);
  if (!files.length) return [];
  status.textContent = t.processingPhotos;
  const photos = [];
  for (const file of files) photos.push(await processPhoto(file));
  return photos;
}

export async function visitScreen(root, params) {
  const householdId = params.get("h");
  const taskId = params.get("task");
  const hh = await store.get("households", householdId);
  if (!hh) return householdScreen(root, householdId);
  const when = h("input", { type: "datetime-local", name: "visited_at", value: localDateTimeValue(), required: true });
  const notes = h("textarea", { name: "notes", rows: 4, maxlength: 5000 });
  const findings = Object.entries(t.findingList).map(([code, label]) => checkbox(label, { name: "findings", value: code }));
  const followUp = checkbox(t.followUp, { name: "follow_up" });
  const where = checkbox(t.location, { name: "location" });
  const photos = photoInput();
  const status = h("p", { class: "hint", role: "status" });
  const submit = h("button", { type: "submit", class: "primary", text: t.save });
  const form = h("form", { class: "form", id: "visit-form" },
    field(t.visitedAt, when), field(t.notes, notes),
    h("fieldset", {}, h("legend", { text: t.findings }), findings),
    followUp, where, field(t.addPhoto, photos), status,
    h("div", { class: "actions" }, submit, h("a", { href: `#/h/${householdId}`, class: "button", text: t.cancel })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const shots = await photosOf(photos, status);
      const location = await locationIf(where, status);
      const visitedAt = when.value ? new Date(when.value) : new Date();
      await store.recordVisit({
        id: store.uuid(), household_id: householdId, task_id: taskId || null, visited_at: store.isoLocal(visitedAt),
        notes: notes.value, follow_up: followUp.querySelector("input").checked, location,
        findings: findings.map((c) => c.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
        photo_times: Object.fromEntries(shots.map((p) => [p.sha256, p.captured_at])),
      }, shots);
      say(t.visitSaved);
      app.onChange();
      app.sync();
      go(`#/h/${householdId}`);
    } finally {
      submit.disabled = false;
    }
  });
  append(root, h("a", { href: `#/h/${householdId}`, class: "back", text: t.back }),
              h("h1", { text: t.recordVisit }), h("p", { class: "sub", text: `${hh.address} · ${hh.head_name}` }), form);
}

export async function patrolScreen(root) {
  const user = (await store.getMeta("user")) || {};
  const grids = (user.scope || []).filter((n) => n.kind === "grid");
  const category = h("select", { name: "category", required: true },
    Object.entries(t.categories).map(([code, label]) => h("option", { value: code, text: label })));
  const grid = h("select", { name: "grid_id", required: true },
    grids.map((g) => h("option", { value: g.id, text: g.name })));
  const description = h("textarea", { name: "description", rows: 4, maxlength: 5000, required: true });
  const where = checkbox(t.location, { name: "location" });
  const photos = photoInput();
  const status = h("p", { class: "hint", role: "status" });
  const submit = h("button", { type: "submit", class: "primary", text: t.submitReport });
  const form = h("form", { class: "form", id: "patrol-form" },
    field(t.category, category), field(t.grid, grid), field(t.description, description), where,
    field(t.addPhoto, photos), status, h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!description.value.trim()) {
      status.textContent = t.required;
      return;
    }
    submit.disabled = true;
    try {
      const shots = await photosOf(photos, status);
      const location = await locationIf(where, status);
      await store.recordPatrol({
        id: store.uuid(), grid_id: grid.value, category: category.value, description: description.value.trim(),
        location, reported_at: store.isoLocal(),
        photo_times: Object.fromEntries(shots.map((p) => [p.sha256, p.captured_at])),
      }, shots);
      say(t.reportSaved);
      app.onChange();
      app.sync();
      go("#/patrol");
    } finally {
      submit.disabled = false;
    }
  });
  const [reports, pending] = await Promise.all([store.all("patrol_reports"), store.pendingRecordIds()]);
  reports.sort((a, b) => (b.reported_at || "").localeCompare(a.reported_at || ""));
  append(root, flashBox(), h("h1", { text: t.patrol }), form, h("h2", { text: t.recentReports }),
    reports.length ? h("ul", { class: "list", id: "patrol-list" }, reports.map((r) => h("li", { class: "card" },
      h("span", { class: "title", text: t.categories[r.category] || r.category }),
      h("span", { class: "sub", text: formatTime(r.reported_at, lang) }),
      h("p", { class: "notes", text: r.description }),
      h("span", { class: "badges" }, pending.has(r.id) ? waitingBadge() : null), photoStrip(r.photos))))
      : h("p", { class: "hint", text: t.noReports }));
}

export function reason(error) {
  const parts = [error?.detail || error?.title || ""];
  for (const [name, messages] of Object.entries(error?.errors || {})) {
    parts.push(`${name}: ${[].concat(messages).join(" ")}`);
  }
  return parts.filter(Boolean).join(" ");
}

function describeRequestRejection(record, mutation) {
  if (mutation?.op === "action") return t.rejectedAction(t.actionNames[mutation.action] || mutation.action);
  return t.rejectedRequest(t.requestCategories[record?.category] || record?.category || "");
}

// What an area's refused record is called on the sync page: kind -> (record, mutation) -> text;
// the areas' modules add theirs (static/app/sharing.js, points.js).
export const describers = {};

async function describe(kind, record, mutation = null) {
  if (describers[kind]) return describers[kind](record, mutation);
  if (kind === "visits") {
    const hh = record?.household_id ? await store.get("households", record.household_id) : null;
    return t.rejectedVisit(hh?.address || record?._address || t.unknownHousehold);
  }
  if (kind === "patrol_reports") return t.rejectedPatrol;
  if (kind === "households") return t.rejectedHousehold(record?.address || t.unknownHousehold);
  if (kind === "requests") return describeRequestRejection(record, mutation);
  if (kind === "ratings") return t.rejectedRating;
  return t.rejectedOther;
}

export async function syncScreen(root) {
  const [rejections, conflicts] = await Promise.all([store.all("rejections"), store.all("conflicts")]);
  const dismiss = (storeName, seq) => h("button", { type: "button", class: "small", text: t.dismiss,
    onclick: async () => { await (await store.db()).delete(storeName, seq); app.onChange(); go("#/sync"); } });
  const rejectedItems = await Promise.all(rejections.reverse().map(async (r) => h("li", { class: "card rejected" },
    h("span", { class: "title", text: await describe(r.kind, r.record, r.mutation) }),
    h("span", { class: "sub", text: formatTime(r.at, lang) }),
    h("p", { class: "reason", text: reason(r.error) }), dismiss("rejections", r.seq))));
  const conflictItems = await Promise.all(conflicts.reverse().map(async (c) => {
    const current = await store.get(c.collection, c.mutation.record_id);
    const mine = c.mutation.data || {};
    const won = current ? c.fields.every((f) => JSON.stringify(current[f] ?? "") === JSON.stringify(mine[f] ?? "")) : false;
    return h("li", { class: "card conflict" },
      h("p", { class: "reason", text: t.conflictText(await describe(c.collection, current || c.record),
        c.fields.map((f) => t.fieldNames[f] || f).join("、"), won) }),
      h("span", { class: "sub", text: formatTime(c.at, lang) }), dismiss("conflicts", c.seq));
  }));
  append(root, flashBox(), h("h1", { text: t.syncPage }),
    h("button", { type: "button", class: "primary", text: t.syncNow, onclick: () => app.sync() }),
    h("h2", { text: t.conflicts }),
    conflictItems.length ? h("ul", { class: "list", id: "conflict-list" }, conflictItems)
      : h("p", { class: "hint", text: t.noConflicts }),
    h("h2", { text: t.rejected }),
    rejectedItems.length ? h("ul", { class: "list", id: "rejection-list" }, rejectedItems)
      : h("p", { class: "hint", text: t.noRejected }));
}

export async function settingsScreen(root) {
  const meta = await store.allMeta();
  const large = checkbox(t.largeText, { name: "large_text", checked: !!meta.large_text });
  large.querySelector("input").addEventListener("change", async (event) => {
    await store.setMeta("large_text", event.target.checked);
    document.documentElement.classList.toggle("large", event.target.checked);
  });
  const signOut = h("button", { type: "button", class: "danger", text: t.signOut, onclick: async () => {
    const waiting = await store.outboxCount();
    if (waiting && !window.confirm(t.signOutConfirm(waiting))) return;
    await store.wipe();
    invalidate();
    app.onChange();
    go("#/sign-in");
  } });
  const lockButton = isSealing() ? h("button", { type: "button", text: t.lockNow, onclick: () => app.lockNow() }) : null;
  // A resident's rights (PIPL Art. 45): their household's data, on the web pages.
  const myData = meta.user?.role === "resident"
    ? h("p", {}, h("a", { href: "/my-data/", id: "my-data", text: t.myData }), " ",
        h("span", { class: "hint", text: t.myDataHint }))
    : null;
  append(root, h("h1", { text: t.settings }),
    meta.user ? h("p", { text: t.signedInAs(meta.user.display_name || meta.user.username) }) : null,
    large, myData, h("div", { class: "actions" }, lockButton, signOut));
}

const NOTICES = { wiped: "wipedByStaff", erased: "erasedTooManyTries" };

export async function signInScreen(root, { expired = false, notice = null } = {}) {
  const user = await store.getMeta("user");
  const username = h("input", { name: "username", autocomplete: "username", required: true,
                                value: user?.username || "", autocapitalize: "none" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const told = notice ? t[NOTICES[notice]] : expired ? t.signInAgain : "";
  const message = h("p", { class: told ? "flash warn" : "hint", role: "alert", text: told });
  const submit = h("button", { type: "submit", class: "primary", text: t.signIn });
  const form = h("form", { class: "form", id: "sign-in-form" }, message, field(t.username, username),
                 field(t.password, password), h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.className = "hint";
    message.textContent = t.signingIn;
    try {
      const response = await fetch("/api/v1/auth/token", {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit", cache: "no-store",
        body: JSON.stringify({ username: username.value.trim(), password: password.value,
                               device_id: await store.deviceId(), device_name: shortDeviceName() }),
      });
      if (response.status === 201) {
        const body = await response.json();
        const previous = await store.getMeta("user");
        if (previous && previous.id !== body.user.id) {
          // Another account's unsent work is on this phone: never discard it without asking.
          const waiting = await store.outboxCount();
          if (waiting && !window.confirm(t.switchUserConfirm(previous.display_name || previous.username, waiting))) {
            submit.disabled = false;
            message.className = "flash warn";
            message.textContent = t.switchUserKept(previous.username);
            return;
          }
          await store.wipe();
        }
        if (required(body.user) && !isSealing()) {
          holdSignIn(body); // stored once the PIN seals it
        } else {
          await store.setMeta("token", body.token);
          await store.setMeta("user", body.user);
          await store.forgetNotices();
        }
        password.value = "";
        app.signedIn();
        return;
      }
      message.className = "flash error";
      message.textContent = response.status === 429 ? t.signInThrottled : await refusalText(response);
    } catch {
      message.className = "flash error";
      message.textContent = t.signInOffline;
    } finally {
      submit.disabled = false;
    }
  });
  append(root, h("h1", { text: t.signInTitle }), form);
}

// A 403 names why in its problem's fields: a registration not yet confirmed (username)
// or a temporary password to replace on the web first (password).
async function refusalText(response) {
  if (response.status !== 403) return t.signInFailed;
  const errors = (await response.json().catch(() => null))?.errors || {};
  if (errors.username) return t.signInPending;
  if (errors.password) return t.signInSetPassword;
  return t.signInFailed;
}

export function shortDeviceName() {
  const ua = navigator.userAgent;
  const os = /Android [\d.]+/.exec(ua)?.[0] || /iPhone OS [\d_]+/.exec(ua)?.[0]?.replace(/_/g, ".") ||
    /Windows NT [\d.]+|Mac OS X [\d_]+|Linux|CrOS/.exec(ua)?.[0] || "";
  const browser = /(Edg|Chrome|Firefox|Safari)\/(\d+)/.exec(ua);
  return [browser ? `${browser[1]} ${browser[2]}` : "Browser", os].filter(Boolean).join(" · ").slice(0, 100);
}
