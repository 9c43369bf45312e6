// IndexedDB with its values sealed: the same calls as idb's database (get, getAll, put, add,
// transaction(...).objectStore(...)…), but every value written is encrypted under the PIN's key
// (vault.js) and every value read is opened again. What IndexedDB must read stays plain: a
// store's key and its one index (ids, never a name); the `meta` keys in PLAIN_META (the device's
// id, the text size, the lock itself). Without a PIN (residents) values are written as they are.
//
// WebCrypto is asynchronous and an IndexedDB transaction commits as soon as it has nothing to do,
// so inside a transaction each encryption or decryption is `held`: small reads keep the
// transaction alive until the crypto is done. The operations of one transaction run in the order
// they were called (a queue), as they would on IndexedDB itself.
import { decrypt, encrypt, isSealing, openJson, sealJson } from "./vault.js";

export const PLAIN_META = new Set(["device_id", "large_text", "lock", "wiped", "erased"]);
const NO_KEY = "\uffff";

function isSealed(value) {
  return value && typeof value === "object" && value._s instanceof ArrayBuffer;
}

async function hold(tx, promise) {
  let settled = false;
  const done = Promise.resolve(promise).finally(() => {
    settled = true;
  });
  done.catch(() => null);
  const store = tx.objectStore(tx.objectStoreNames[0]);
  while (!settled) await store.get(NO_KEY);
  return done;
}

export function makeSealer(layout) {
  // layout: store name -> { keyPath, index } ("meta" has out-of-line keys).
  async function seal(name, value, key) {
    if (!isSealing() || value === undefined || value === null) return value;
    if (name === "meta") return PLAIN_META.has(key) ? value : { _s: await sealJson(value) };
    const { keyPath, index } = layout[name] || {};
    const sealed = {};
    let rest = value;
    if (value.blob instanceof Blob) {
      const { blob, ...others } = value;
      rest = { ...others, _type: blob.type };
      sealed._b = await encrypt(await blob.arrayBuffer());
    }
    sealed._s = await sealJson(rest);
    if (keyPath && value[keyPath] !== undefined) sealed[keyPath] = value[keyPath];
    if (index && value[index] !== undefined) sealed[index] = value[index];
    return sealed;
  }

  async function open(name, value) {
    if (!isSealed(value)) return value;
    const plain = await openJson(value._s);
    const { keyPath } = layout[name] || {};
    if (keyPath && value[keyPath] !== undefined) plain[keyPath] = value[keyPath]; // an autoIncrement key
    if (value._b) {
      plain.blob = new Blob([await decrypt(value._b)], { type: plain._type || "" });
      delete plain._type;
    }
    return plain;
  }

  const openAll = (name, values) => Promise.all(values.map((v) => open(name, v)));
  return { seal, open, openAll };
}

function wrapTransaction(raw, sealer) {
  let queue = Promise.resolve();
  const run = (step) => {
    const result = queue.then(step);
    queue = result.catch((error) => {
      try {
        raw.abort();
      } catch {
        /* already finished */
      }
      throw error;
    });
    return result;
  };
  const inTx = (promise) => (isSealing() ? hold(raw, promise) : promise);
  function store(name) {
    const s = raw.objectStore(name);
    return {
      name,
      get: (key) => run(async () => inTx(sealer.open(name, await s.get(key)))),
      getAll: (...args) => run(async () => inTx(sealer.openAll(name, await s.getAll(...args)))),
      getAllKeys: (...args) => run(() => s.getAllKeys(...args)),
      count: (...args) => run(() => s.count(...args)),
      delete: (key) => run(() => s.delete(key)),
      clear: () => run(() => s.clear()),
      put: (value, key) => run(async () => s.put(await inTx(sealer.seal(name, value, key)), key)),
      add: (value, key) => run(async () => s.add(await inTx(sealer.seal(name, value, key)), key)),
    };
  }
  const names = Array.from(raw.objectStoreNames);
  return {
    objectStore: store,
    get store() {
      return store(names[0]);
    },
    get done() {
      return (async () => {
        await queue;
        return raw.done;
      })();
    },
    abort: () => raw.abort(),
  };
}

// The database, sealed: the shortcuts open their own transaction, so crypto runs outside it.
export function wrapDatabase(raw, sealer) {
  return {
    raw,
    close: () => raw.close(),
    get objectStoreNames() {
      return raw.objectStoreNames;
    },
    transaction: (stores, mode) => wrapTransaction(raw.transaction(stores, mode), sealer),
    get: async (name, key) => sealer.open(name, await raw.get(name, key)),
    getAll: async (name, ...args) => sealer.openAll(name, await raw.getAll(name, ...args)),
    getAllFromIndex: async (name, ...args) => sealer.openAll(name, await raw.getAllFromIndex(name, ...args)),
    getAllKeys: (name, ...args) => raw.getAllKeys(name, ...args),
    count: (name, ...args) => raw.count(name, ...args),
    delete: (name, key) => raw.delete(name, key),
    clear: (name) => raw.clear(name),
    put: async (name, value, key) => raw.put(name, await sealer.seal(name, value, key), key),
    add: async (name, value, key) => raw.add(name, await sealer.seal(name, value, key), key),
  };
}
