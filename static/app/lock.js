// The app lock: people who hold others' data on their phone (grid workers, staff, station
// operators) set a PIN at their first sign-in; the local records are sealed under a key derived
// from it (vault.js, sealed.js); the app locks on every start and after INACTIVITY_MS without a
// touch, and MAX_TRIES wrong PINs in a row erase everything on the phone, the unsent outbox too:
// whoever is guessing may be a thief, and sealed work nobody can open is no use to anyone.
import { rawDb, sealAll, wipe } from "./db.js";
import { createLock, forget, isLocked, isSealing, setSealing, tryPin } from "./vault.js";

export const MAX_TRIES = 5;
export const MIN_PIN = 6;
export const INACTIVITY_MS = 5 * 60_000;
const OPEN_ROLES = new Set(["resident", "volunteer"]);

export { isLocked, isSealing };

export function required(user) {
  return !!user && !OPEN_ROLES.has(user.role);
}

export function validPin(pin) {
  return new RegExp(`^\\d{${MIN_PIN},12}$`).test(pin || "");
}

async function readLock() {
  return (await rawDb()).get("meta", "lock");
}

async function writeLock(lock) {
  return (await rawDb()).put("meta", lock, "lock");
}

// At start: is this phone's data sealed? Then it is locked until the PIN is given.
export async function load() {
  const lock = await readLock();
  setSealing(!!lock);
  return lock;
}

export async function setPin(pin) {
  const lock = await createLock(pin);
  await writeLock(lock);
  await sealAll();
}

// { ok } or { ok: false, left } or { ok: false, erased: true } after the last try.
export async function unlock(pin) {
  const lock = await readLock();
  if (!lock) {
    setSealing(false);
    return { ok: true };
  }
  // Counted before the try, so that closing the app in the middle of one does not undo it.
  const failures = (lock.failures || 0) + 1;
  await writeLock({ ...lock, failures });
  if (await tryPin(lock, pin)) {
    await writeLock({ ...lock, failures: 0 });
    return { ok: true };
  }
  if (failures >= MAX_TRIES) {
    await wipe("erased");
    return { ok: false, erased: true };
  }
  return { ok: false, left: MAX_TRIES - failures };
}

// A sign-in that needs a PIN first: its token is kept in memory, never stored unsealed.
let pending = null;

export function holdSignIn(body) {
  pending = body;
}

export function pendingSignIn() {
  return pending;
}

export function takeSignIn() {
  const body = pending;
  pending = null;
  return body;
}

export function lockNow() {
  if (isSealing()) forget();
}
