// Local data: one IndexedDB store per collection, the outbox, meta, photos,
// and the notices (rejections, conflicts) shown to the worker.
import { openDB } from "/static/vendor/idb.js";

export const COLLECTIONS = ["households", "residents", "visit_tasks", "visits", "patrol_reports"];
const DB_NAME = "linli-field";

let dbPromise = null;

export function db() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, 1, {
      upgrade(d) {
        for (const name of COLLECTIONS) {
          const store = d.createObjectStore(name, { keyPath: "id" });
          if (name !== "households" && name !== "patrol_reports") store.createIndex("household_id", "household_id");
        }
        d.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        d.createObjectStore("meta");
        d.createObjectStore("photos", { keyPath: "sha256" });
        d.createObjectStore("rejections", { keyPath: "seq", autoIncrement: true });
        d.createObjectStore("conflicts", { keyPath: "seq", autoIncrement: true });
      },
      blocking() {
        // A newer version of the app wants to upgrade the schema: let it.
        dbPromise?.then((d) => d.close());
        dbPromise = null;
      },
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

function mutation(collection, recordId, op, data, baseVersion = null) {
  return { id: uuid(), collection, record_id: recordId, op, action: null, base_version: baseVersion, data,
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

export async function editHousehold(id, changes) {
  const d = await db();
  const tx = d.transaction(["households", "outbox"], "readwrite");
  const current = await tx.objectStore("households").get(id);
  if (!current) throw new Error("household gone");
  const data = {};
  for (const [k, v] of Object.entries(changes)) if ((current[k] ?? "") !== v) data[k] = v;
  if (Object.keys(data).length) {
    tx.objectStore("households").put({ ...current, ...data });
    tx.objectStore("outbox").add(mutation("households", id, "update", data, current._v ?? null));
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

// Signing out clears everything on the device (the caller has asked about the outbox).
export async function wipe() {
  const d = await db();
  const stores = [...COLLECTIONS, "outbox", "photos", "rejections", "conflicts"];
  const tx = d.transaction([...stores, "meta"], "readwrite");
  for (const s of stores) tx.objectStore(s).clear();
  const keep = { device_id: await tx.objectStore("meta").get("device_id"),
                 large_text: await tx.objectStore("meta").get("large_text") };
  tx.objectStore("meta").clear();
  for (const [k, v] of Object.entries(keep)) if (v !== undefined) tx.objectStore("meta").put(v, k);
  await tx.done;
}
