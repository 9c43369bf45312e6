// The sync client: SYNC_PROTOCOL.md version 1. Photos first (HEAD, then PUT by
// hash), then the outbox in order (batches of at most 500, split on 413;
// only acknowledged mutations leave it), then pull until has_more is false.
import { COLLECTIONS, db, deviceId, getMeta, setMeta, wipe } from "./db.js";
import { lang } from "./i18n.js";
import { isLocked, isSealing, required } from "./lock.js";

export const SCHEMA_VERSION = 1;
export const MAX_BATCH = 500;
const PULL_LIMIT = 500;
const BASE_DELAY = 30_000;
const MAX_DELAY = 600_000;
const CATEGORIES_EVERY = 6 * 3600_000;

export class AuthError extends Error {}
export class UpgradeError extends Error {}
// The device was reported lost (docs/SYNC.md): push what is waiting, then erase everything.
export class WipeError extends Error {}
export const WIPE_PROBLEM = "https://linli.example/problems/device-wipe";
let wipeAsked = false;

export const events = new EventTarget();

function emit(type, detail = {}) {
  events.dispatchEvent(new CustomEvent(type, { detail }));
}

export const state = { running: false, phase: "idle", progress: null, error: null, needsSignIn: false };

function progress(phase, info = null) {
  state.phase = phase;
  state.progress = info;
  emit("state", { ...state });
}

async function api(path, options = {}) {
  const token = await getMeta("token");
  const headers = { ...(options.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { ...options, headers, cache: "no-store", credentials: "omit" });
  if (response.status === 401) {
    const body = await problem(response);
    if (body.type === WIPE_PROBLEM) throw new WipeError("device reported lost");
    throw new AuthError("unauthorised");
  }
  if (response.status === 426) throw new UpgradeError("upgrade required");
  return response;
}

async function problem(response) {
  try {
    return await response.json();
  } catch {
    return { status: response.status, title: response.statusText };
  }
}

async function uploadPhotos() {
  const d = await db();
  const pending = (await d.getAll("photos")).filter((p) => !p.uploaded);
  let i = 0;
  for (const photo of pending) {
    progress("photos", [++i, pending.length]);
    const url = `/api/v1/attachments/${photo.sha256}`;
    const head = await api(url, { method: "HEAD" });
    let done = head.ok;
    if (!done) {
      const put = await api(url, { method: "PUT", body: photo.blob, headers: { "Content-Type": photo.type } });
      if (put.ok) done = true;
      else if (put.status >= 400 && put.status < 500 && put.status !== 429) {
        // The server refuses these bytes for good: tell the worker, stop retrying.
        const error = await problem(put);
        await d.add("rejections", { at: new Date().toISOString(), kind: "photo", record: { sha256: photo.sha256 },
                                    error });
        done = "refused";
      } else throw new Error(`photo upload ${put.status}`);
    }
    if (done) await d.put("photos", { ...photo, uploaded: done === true ? true : "refused" });
  }
}

async function applyResults(batch, results) {
  const d = await db();
  const byId = new Map(results.map((r) => [r.id, r]));
  const tx = d.transaction(["outbox", "rejections", "conflicts", ...COLLECTIONS], "readwrite");
  for (const m of batch) {
    const result = byId.get(m.id);
    if (!result) continue; // not acknowledged: stays in the outbox
    tx.objectStore("outbox").delete(m.seq);
    const local = await tx.objectStore(m.collection).get(m.record_id);
    if (result.status === "rejected") {
      const record = { ...(local || m.data) };
      if (record.household_id) {
        const hh = await tx.objectStore("households").get(record.household_id);
        if (hh) record._address = hh.address; // the household may leave the device on the next pull
      }
      tx.objectStore("rejections").add({ at: new Date().toISOString(), kind: m.collection, mutation: m,
                                         record, error: result.error || {} });
      if (m.op === "create" && local) tx.objectStore(m.collection).delete(m.record_id);
    } else if (result.same_as && result.same_as !== m.record_id && m.op === "create" && local) {
      // The server kept another record for the same thing (another phone's check-in of the same
      // person): ours is dropped, the kept one arrives with the pull.
      tx.objectStore(m.collection).delete(m.record_id);
    } else if (result.status === "conflict") {
      tx.objectStore("conflicts").add({ at: new Date().toISOString(), collection: m.collection, mutation: m,
                                        record: local || m.data, conflict_id: result.conflict_id || null,
                                        fields: Object.keys(m.data || {}) });
    }
  }
  await tx.done;
}

async function pushOutbox() {
  const d = await db();
  const device = await deviceId();
  let size = MAX_BATCH;
  const total = await d.count("outbox");
  let sent = 0;
  for (;;) {
    const batch = await d.getAll("outbox", null, size);
    if (!batch.length) return;
    progress("push", [Math.min(sent + batch.length, total), total]);
    const body = JSON.stringify({
      device_id: device, schema_version: SCHEMA_VERSION,
      mutations: batch.map(({ seq, ...m }) => m),
    });
    const response = await api("/api/v1/sync/push", { method: "POST", body,
                                                      headers: { "Content-Type": "application/json" } });
    if (response.status === 413) {
      if (batch.length === 1) {
        await applyResults(batch, [{ id: batch[0].id, status: "rejected", error: await problem(response) }]);
        continue;
      }
      size = Math.ceil(batch.length / 2);
      continue;
    }
    if (!response.ok) {
      const error = await problem(response);
      throw Object.assign(new Error(error.detail || error.title || `push ${response.status}`), { problem: error });
    }
    const { results, wipe: lost } = await response.json();
    if (lost === true) wipeAsked = true;
    await applyResults(batch, results || []);
    sent += batch.length;
    size = MAX_BATCH;
  }
}

async function applyChanges(changes, cursor, reset) {
  const d = await db();
  const tx = d.transaction([...COLLECTIONS, "meta", "outbox"], "readwrite");
  const outbox = await tx.objectStore("outbox").getAll();
  const pending = new Set(outbox.map((m) => m.record_id));
  if (reset) {
    // Drop the synced copy; records the worker created and has not sent yet are
    // not part of it (their outbox entries will push them).
    const unsent = new Set(outbox.filter((m) => m.op === "create").map((m) => m.record_id));
    for (const name of COLLECTIONS) {
      const store = tx.objectStore(name);
      for (const key of await store.getAllKeys()) if (!unsent.has(key)) store.delete(key);
    }
  }
  for (const change of changes) {
    if (!COLLECTIONS.includes(change.collection)) continue;
    const store = tx.objectStore(change.collection);
    const current = await store.get(change.id);
    if (current && current._v !== undefined && current._v > change.version) continue; // keep the highest version
    if (change.deleted) {
      store.delete(change.id);
      continue;
    }
    const merged = { ...change.data, id: change.id, _v: change.version };
    if (pending.has(change.id)) {
      // Unsent local edits stay on top of the server's copy until they are pushed.
      for (const m of outbox) if (m.record_id === change.id && m.op === "update") Object.assign(merged, m.data);
    }
    store.put(merged);
  }
  tx.objectStore("meta").put(cursor, "cursor");
  await tx.done;
}

async function pull() {
  let cursor = (await getMeta("cursor")) || "";
  let received = 0;
  for (let page = 0; page < 10000; page++) {
    progress("pull", received);
    const response = await api(`/api/v1/sync/pull?cursor=${encodeURIComponent(cursor)}&limit=${PULL_LIMIT}`);
    if (!response.ok) {
      const error = await problem(response);
      throw Object.assign(new Error(error.detail || `pull ${response.status}`), { problem: error });
    }
    const body = await response.json();
    if (body.reset && cursor) {
      // Drop the synced copy (never the outbox) and pull from scratch.
      await applyChanges([], "", true);
      cursor = "";
      received = 0;
      continue;
    }
    await applyChanges(body.changes || [], body.cursor, body.reset);
    received += (body.changes || []).length;
    if ((body.changes || []).length) emit("changed");
    cursor = body.cursor;
    if (!body.has_more) return;
  }
}

// What requests may be about: a small read-only list (GET /api/v1/request-categories), kept in
// meta for raising requests offline and refreshed every few hours. Not part of the sync protocol.
async function refreshCategories() {
  const at = await getMeta("request_categories_at");
  if (at && Date.now() - at < CATEGORIES_EVERY && (await getMeta("request_categories"))?.length) return;
  const response = await api("/api/v1/request-categories", { headers: { "Accept-Language": lang } });
  if (!response.ok) return; // keep the list the device has
  const body = await response.json();
  if (Array.isArray(body.items) && body.items.length) {
    await setMeta("request_categories", body.items.map(({ code, name }) => ({ code, name })));
    await setMeta("request_categories_at", Date.now());
  }
}

// The communities paired with a resident's (seed 001), the receivers of a paired_community
// donation: from GET /api/v1/points/me (its `partners`), kept in meta like the categories above
// (docs/SYNC.md, "Points"). Not part of the sync protocol.
async function refreshPartners() {
  if ((await getMeta("user"))?.role !== "resident") return;
  const at = await getMeta("points_partners_at");
  if (at && Date.now() - at < CATEGORIES_EVERY && Array.isArray(await getMeta("points_partners"))) return;
  const response = await api("/api/v1/points/me");
  if (!response.ok) return; // keep the list the device has
  const body = await response.json();
  if (!Array.isArray(body.partners)) return;
  await setMeta("points_partners", body.partners.map(({ id, name }) => ({ id, name })));
  await setMeta("points_partners_at", Date.now());
}

// Photos of requests and their steps taken elsewhere (the resident's own, the office's at
// resolving), fetched so a request's page shows them offline; a few per sync.
const PREFETCH_PHOTOS = 20;

async function prefetchPhotos() {
  const d = await db();
  const have = new Set(await d.getAllKeys("photos"));
  const wanted = new Set();
  for (const name of ["requests", "request_events", "posts"].filter((n) => COLLECTIONS.includes(n))) {
    for (const record of await d.getAll(name)) for (const sha of record.photos || []) if (!have.has(sha)) wanted.add(sha);
  }
  for (const sha of [...wanted].slice(0, PREFETCH_PHOTOS)) {
    if (!/^[0-9a-f]{64}$/.test(sha)) continue;
    const response = await api(`/api/v1/attachments/${sha}`);
    if (!response.ok) continue;
    const blob = await response.blob();
    await d.put("photos", { sha256: sha, blob, type: blob.type, uploaded: true, fetched: true });
  }
}

// Reported lost: erase only once nothing waits to be sent (what the server refuses leaves the
// outbox as a rejection, which is erased with the rest); then say so, with the token kept for it.
async function remoteWipe() {
  const d = await db();
  if (await d.count("outbox")) await pushOutbox();
  if (await d.count("outbox")) return false;
  const token = await getMeta("token");
  await wipe("wiped");
  wipeAsked = false;
  try {
    await fetch("/api/v1/auth/wiped", { method: "POST", headers: { Authorization: `Bearer ${token}` },
                                        credentials: "omit", cache: "no-store" });
  } catch {
    /* the server keeps the device as lost; nothing is left on the phone anyway */
  }
  emit("wiped");
  return true;
}

// Whether the app may talk to the server now: not while locked, nor before a PIN is set.
async function mayRun() {
  if (isLocked()) return false;
  if (!isSealing() && required(await getMeta("user"))) return false;
  return !!(await getMeta("token"));
}

let current = null;
let timer = null;
let delay = BASE_DELAY;

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => sync().catch(() => null), ms);
}

let again = false;

// One sync at a time: a call while one runs gets the running one, and one more
// sync follows it (the network may have come back after it started).
export function sync() {
  if (current) {
    again = true;
    return current;
  }
  again = false;
  current = (async () => {
    if (!(await mayRun())) {
      if (!isLocked() && !(await getMeta("token"))) {
        state.needsSignIn = true;
        emit("state", { ...state });
      }
      current = null;
      return false;
    }
    state.running = true;
    state.error = null;
    progress("start");
    try {
      await uploadPhotos();
      await pushOutbox();
      emit("changed");
      if (wipeAsked) throw new WipeError("device reported lost");
      await pull();
      await refreshCategories();
      await refreshPartners();
      await prefetchPhotos();
      await setMeta("last_sync_at", new Date().toISOString());
      await setMeta("last_error", null);
      delay = BASE_DELAY;
      state.needsSignIn = false;
      return true;
    } catch (error) {
      state.error = error;
      if (error instanceof WipeError) {
        if (await remoteWipe().catch(() => false)) state.needsSignIn = true;
      } else if (error instanceof AuthError) {
        state.needsSignIn = true;
        await setMeta("token", null);
      } else if (error instanceof UpgradeError) {
        emit("upgrade");
      }
      await setMeta("last_error", String(error.message || error));
      if (navigator.onLine !== false) delay = Math.min(delay * 2, MAX_DELAY); // offline: the online event wakes us
      return false;
    } finally {
      state.running = false;
      current = null;
      progress("idle");
      emit("changed");
      emit("idle");
      if (again && !state.needsSignIn) setTimeout(() => sync(), 0);
      else schedule(delay);
    }
  })();
  return current;
}

export function running() {
  return current;
}

export function stopTimer() {
  clearTimeout(timer);
}
