// Local data: one IndexedDB store per collection, the outbox, meta, photos,
// and the notices (rejections, conflicts) shown to the worker.
import { openDB } from "/static/vendor/idb.js";
import { config } from "./config.js";
import { makeSealer, wrapDatabase } from "./sealed.js";
import { isSealing, setSealing } from "./vault.js";

// One store per synced collection, as the server lists them (static/app/config.js); each names the
// index the app searches it by, and the database version that added it.
export const COLLECTIONS = config.stores.map((store) => store.name);
const DB_NAME = "linli-field";
// The version rises when an area adds stores (its declaration names the version); it never falls.
const DB_VERSION = config.db_version;

let dbPromise = null;
let sealedPromise = null;

// Where each store keeps its key and its index: what stays plain when its values are sealed.
const LAYOUT = {
  ...Object.fromEntries(config.stores.map(({ name, index }) => [name, { keyPath: "id", index }])),
  outbox: { keyPath: "seq" }, rejections: { keyPath: "seq" }, conflicts: { keyPath: "seq" },
  photos: { keyPath: "sha256" },
};
const sealer = makeSealer(LAYOUT);

function blocking() {
  // A newer version of the app wants to upgrade the schema: let it.
  dbPromise?.then((d) => d.close());
  dbPromise = null;
  sealedPromise = null;
}

// The database as the app uses it: values sealed under the PIN's key (sealed.js).
export function db() {
  if (!sealedPromise) sealedPromise = rawDb().then((raw) => wrapDatabase(raw, sealer));
  return sealedPromise;
}

// IndexedDB as it is: for the lock's own plain record and for tests of what is at rest.
export function rawDb() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, DB_VERSION, {
      upgrade(d, oldVersion, _newVersion, tx) {
        for (const { name, index } of config.stores) {
          if (d.objectStoreNames.contains(name)) continue;
          const store = d.createObjectStore(name, { keyPath: "id" });
          if (index) store.createIndex(index, index);
        }
        if (oldVersion < 1) {
          d.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
          d.createObjectStore("meta");
          d.createObjectStore("photos", { keyPath: "sha256" });
          d.createObjectStore("rejections", { keyPath: "seq", autoIncrement: true });
          d.createObjectStore("conflicts", { keyPath: "seq", autoIncrement: true });
        } else {
          // New stores: the cursor may have moved past their records while the app had nowhere
          // to keep them. Pull from the start once (records are kept; the highest version wins;
          // the outbox is untouched).
          tx.objectStore("meta").delete("cursor");
        }
      },
      blocking,
    }).catch((error) => {
      // A newer version of the app (a later shell, since replaced by a cached older one) upgraded
      // the database already: open it as it is; its stores are a superset of ours.
      if (error?.name !== "VersionError") throw error;
      return openDB(DB_NAME, undefined, { blocking });
    });
  }
  return dbPromise;
}

export function uuid() {
  return crypto.randomUUID();
}

function pad(n) {
  return String(n).padStart(2, "0");
}

// A moment with the device's offset, as the protocol asks: 2026-11-20T09:15:02+08:00.
export function isoLocal(date = new Date()) {
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const abs = Math.abs(off);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:` +
    `${pad(date.getMinutes())}:${pad(date.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export async function getMeta(key) {
  return (await db()).get("meta", key);
}

export async function setMeta(key, value) {
  return (await db()).put("meta", value, key);
}

// The notice of an erase (a remote wipe, too many wrong PINs) is told once, until the next sign-in.
export async function forgetNotices() {
  const d = await rawDb();
  await Promise.all([d.delete("meta", "wiped"), d.delete("meta", "erased")]);
}

export async function allMeta() {
  const d = await db();
  const tx = d.transaction("meta");
  const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
  return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
}

export async function deviceId() {
  let id = await getMeta("device_id");
  if (!id) {
    id = uuid();
    await setMeta("device_id", id);
  }
  return id;
}

function mutation(collection, recordId, op, data, baseVersion = null, action = null) {
  return { id: uuid(), collection, record_id: recordId, op, action, base_version: baseVersion, data,
           client_time: isoLocal() };
}

// Every user action: the local record and its mutation in ONE transaction.
export async function recordVisit(visit, photos) {
  const d = await db();
  const tx = d.transaction(["visits", "visit_tasks", "photos", "outbox"], "readwrite");
  const data = { household_id: visit.household_id, visited_at: visit.visited_at, notes: visit.notes,
                 findings: visit.findings, follow_up: visit.follow_up, photos: photos.map((p) => p.sha256),
                 photo_times: visit.photo_times, location: visit.location, task_id: visit.task_id || null };
  for (const p of photos) tx.objectStore("photos").put({ ...p, uploaded: false });
  tx.objectStore("visits").put({ id: visit.id, ...data, _local: true });
  if (visit.task_id) {
    const task = await tx.objectStore("visit_tasks").get(visit.task_id);
    if (task) tx.objectStore("visit_tasks").put({ ...task, status: "done", visit_id: visit.id });
  }
  tx.objectStore("outbox").add(mutation("visits", visit.id, "create", data));
  await tx.done;
}

export async function recordPatrol(report, photos) {
  const d = await db();
  const tx = d.transaction(["patrol_reports", "photos", "outbox"], "readwrite");
  const data = { grid_id: report.grid_id, category: report.category, description: report.description,
                 photos: photos.map((p) => p.sha256), photo_times: report.photo_times, location: report.location,
                 reported_at: report.reported_at };
  for (const p of photos) tx.objectStore("photos").put({ ...p, uploaded: false });
  tx.objectStore("patrol_reports").put({ id: report.id, ...data, _local: true });
  tx.objectStore("outbox").add(mutation("patrol_reports", report.id, "create", data));
  await tx.done;
}

// A request raised on the device: shown at once (status "submitted", marked waiting), sent once.
export async function recordRequest(request, photos, local = {}) {
  const d = await db();
  const tx = d.transaction(["requests", "photos", "outbox"], "readwrite");
  const data = { category: request.category, description: request.description, photos: photos.map((p) => p.sha256),
                 photo_times: request.photo_times, location: request.location, address: request.address || null };
  for (const key of ["household_id", "resident_id", "on_behalf", "consent", "consent_basis", "consent_given_by",
                     "requester_name"]) {
    if (request[key] !== undefined && request[key] !== null) data[key] = request[key];
  }
  for (const p of photos) tx.objectStore("photos").put({ ...p, uploaded: false });
  tx.objectStore("requests").put({ id: request.id, ...data, status: "submitted", created_at: request.created_at,
                                   updated_at: request.created_at, ...local, _local: true });
  tx.objectStore("outbox").add(mutation("requests", request.id, "create", data));
  await tx.done;
}

// A step on a request (withdraw, reopen, start, reply, resolve, return): the server's state
// machine decides when it arrives; until then the request shows it as waiting.
export async function requestAction(requestId, action, data) {
  const d = await db();
  const tx = d.transaction(["outbox"], "readwrite");
  tx.objectStore("outbox").add(mutation("requests", requestId, "action", data, null, action));
  await tx.done;
}

// A rating (append-only `ratings` create): kept locally, marked waiting, until the server takes or refuses it.
export async function recordRating(rating) {
  const d = await db();
  const tx = d.transaction(["ratings", "outbox"], "readwrite");
  const data = { target_type: "request", target_id: rating.target_id, score: rating.score, comment: rating.comment };
  tx.objectStore("ratings").put({ id: rating.id, ...data, rater_id: rating.rater_id, created_at: rating.created_at,
                                  _local: true });
  tx.objectStore("outbox").add(mutation("ratings", rating.id, "create", data));
  await tx.done;
}

// Any area's record made on the device (a post, an answer, a redemption…): the local copy (marked
// waiting) and its `create` mutation in one transaction, with the photos it names.
export async function recordCreate(collection, id, data, local = {}, photos = []) {
  const d = await db();
  const tx = d.transaction([collection, "photos", "outbox"], "readwrite");
  for (const p of photos) tx.objectStore("photos").put({ ...p, uploaded: false });
  tx.objectStore(collection).put({ id, ...data, ...local, _local: true });
  tx.objectStore("outbox").add(mutation(collection, id, "create", data));
  await tx.done;
}

// A step on any stateful record (op "action"): the server decides its outcome when it arrives.
export async function recordAction(collection, recordId, action, data = {}) {
  const d = await db();
  const tx = d.transaction(["outbox"], "readwrite");
  tx.objectStore("outbox").add(mutation(collection, recordId, "action", data, null, action));
  await tx.done;
}

// Taking down an editable record (op "delete", naming the version it was based on): it leaves
// the device when the server retires it.
export async function recordDelete(collection, recordId, baseVersion, data = {}) {
  const d = await db();
  const tx = d.transaction(["outbox"], "readwrite");
  tx.objectStore("outbox").add(mutation(collection, recordId, "delete", data, baseVersion ?? null));
  await tx.done;
}

export async function outboxFor(recordId) {
  return (await all("outbox")).filter((m) => m.record_id === recordId || m.data?.target_id === recordId);
}

export async function byIndex(store, index, key) {
  return (await db()).getAllFromIndex(store, index, key);
}

export async function editHousehold(id, changes) {
  return editRecord("households", id, changes);
}

// An edit of any editable record (a household, a post…): only the fields that changed, as one
// `update` naming the version it was based on (the server merges field by field), and the local
// copy changed with it; the new photos it names are kept for upload. Returns how many changed.
export async function editRecord(collection, id, changes, photos = []) {
  const d = await db();
  const tx = d.transaction([collection, "photos", "outbox"], "readwrite");
  const current = await tx.objectStore(collection).get(id);
  if (!current) throw new Error(`${collection} record gone`);
  const same = (a, b) => (Array.isArray(a) || Array.isArray(b)
    ? JSON.stringify(a ?? []) === JSON.stringify(b ?? []) : (a ?? "") === b);
  const data = {};
  for (const [k, v] of Object.entries(changes)) if (!same(current[k], v)) data[k] = v;
  if (Object.keys(data).length) {
    for (const p of photos) if ((data.photos || []).includes(p.sha256)) tx.objectStore("photos").put({ ...p, uploaded: false });
    tx.objectStore(collection).put({ ...current, ...data });
    tx.objectStore("outbox").add(mutation(collection, id, "update", data, current._v ?? null));
  }
  await tx.done;
  return Object.keys(data).length;
}

export async function all(store) {
  return (await db()).getAll(store);
}

export async function get(store, key) {
  return (await db()).get(store, key);
}

export async function byHousehold(store, householdId) {
  return (await db()).getAllFromIndex(store, "household_id", householdId);
}

export async function outboxCount() {
  return (await db()).count("outbox");
}

export async function pendingRecordIds() {
  const entries = await all("outbox");
  return new Set(entries.map((m) => m.record_id));
}

// Signing out clears everything on the device (the caller has asked about the outbox), the PIN's
// lock with it: the next person to sign in sets their own.
export async function wipe(notice = null) {
  const d = await rawDb();
  const stores = [...COLLECTIONS, "outbox", "photos", "rejections", "conflicts"];
  const tx = d.transaction([...stores, "meta"], "readwrite");
  for (const s of stores) tx.objectStore(s).clear();
  const keep = { device_id: await tx.objectStore("meta").get("device_id"),
                 large_text: await tx.objectStore("meta").get("large_text") };
  tx.objectStore("meta").clear();
  for (const [k, v] of Object.entries(keep)) if (v !== undefined) tx.objectStore("meta").put(v, k);
  if (notice) tx.objectStore("meta").put(true, notice); // "wiped" or "erased": told at the next sign-in
  await tx.done;
  setSealing(false);
}

// A PIN was just set: seal what the phone already holds (a token stored at sign-in, the data of an
// app version that had no lock), each store in one transaction once its values are sealed.
export async function sealAll() {
  if (!isSealing()) return;
  const raw = await rawDb();
  for (const name of Array.from(raw.objectStoreNames)) {
    const [keys, values] = await Promise.all([raw.getAllKeys(name), raw.getAll(name)]);
    const outOfLine = name === "meta";
    const sealed = [];
    for (let i = 0; i < values.length; i++) {
      const value = await sealer.open(name, values[i]);
      sealed.push(await sealer.seal(name, value, keys[i]));
    }
    const tx = raw.transaction(name, "readwrite");
    sealed.forEach((value, i) => (outOfLine ? tx.store.put(value, keys[i]) : tx.store.put(value)));
    await tx.done;
  }
}
