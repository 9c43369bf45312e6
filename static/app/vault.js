// The key that seals the local records (AES-GCM, 256 bits), derived from the worker's PIN with
// PBKDF2-SHA-256 over a random salt. It lives only in this module's memory while the app is
// unlocked: a reload, the inactivity timer or too many wrong PINs drop it (docs/PRIVACY.md,
// "Phones: lock, lost devices and wipe").
export const ITERATIONS = 600_000; // OWASP's figure for PBKDF2-HMAC-SHA256 (2023)
const CHECK = "linli-lock-v1";

let key = null;
// Whether this phone's data is sealed at all (a PIN was set); read from the plain `lock` meta at start.
let sealing = false;

export class LockedError extends Error {
  constructor() {
    super("locked");
    this.name = "LockedError";
  }
}

export function isSealing() {
  return sealing;
}

export function isLocked() {
  return sealing && key === null;
}

export function setSealing(on) {
  sealing = !!on;
  if (!sealing) key = null;
}

export function forget() {
  key = null;
}

export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

export async function deriveKey(pin, salt, iterations = ITERATIONS) {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material,
                                 { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

async function encryptWith(k, bytes) {
  const iv = randomBytes(12);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, k, bytes));
  const out = new Uint8Array(12 + sealed.length);
  out.set(iv);
  out.set(sealed, 12);
  return out.buffer;
}

async function decryptWith(k, buffer) {
  const all = new Uint8Array(buffer);
  return crypto.subtle.decrypt({ name: "AES-GCM", iv: all.slice(0, 12) }, k, all.slice(12));
}

// A new lock: its salt, iterations and a check value that only the right key opens.
export async function createLock(pin) {
  const salt = randomBytes(16);
  const k = await deriveKey(pin, salt);
  const check = await encryptWith(k, new TextEncoder().encode(CHECK));
  key = k;
  sealing = true;
  return { salt, iterations: ITERATIONS, check, failures: 0 };
}

// The PIN opens the lock: keep its key. A wrong PIN fails AES-GCM's authentication.
export async function tryPin(lock, pin) {
  const k = await deriveKey(pin, lock.salt, lock.iterations);
  try {
    const plain = new TextDecoder().decode(await decryptWith(k, lock.check));
    if (plain !== CHECK) return false;
  } catch {
    return false;
  }
  key = k;
  sealing = true;
  return true;
}

export async function encrypt(bytes) {
  if (!key) throw new LockedError();
  return encryptWith(key, bytes);
}

export async function decrypt(buffer) {
  if (!key) throw new LockedError();
  return decryptWith(key, buffer);
}

export async function sealJson(value) {
  return encrypt(new TextEncoder().encode(JSON.stringify(value)));
}

export async function openJson(buffer) {
  return JSON.parse(new TextDecoder().decode(await decrypt(buffer)));
}
