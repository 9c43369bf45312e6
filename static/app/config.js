// What the server tells the app about itself, rendered into the shell (frontend/pwa/views.py,
// field_app_config) from the areas' declarations (backend/areas.py): the modules whose screens
// the app shows, the IndexedDB stores of the synced collections, and each area's capabilities
// (a state machine, time limits…) so the app never keeps a copy of the server's rules.
const node = globalThis.document?.querySelector('meta[name="linli-config"]');

export const config = node ? JSON.parse(node.content)
  : { modules: [], stores: [], db_version: 1, capabilities: {} };

// An area's capabilities: {} when the server sent none.
export function capabilities(area) {
  return config.capabilities[area] || {};
}
