// The household registry's screens in the field app (the registry area, backend/registry/__init__.py):
// the grid's households, one household, and its edit form. The screens themselves are in screens.js.
import { editHouseholdScreen, householdScreen, householdsScreen } from "./screens.js";

export const routes = [
  { path: "/households", for: ["worker"], home: "worker", screen: (view, { params }) => householdsScreen(view, params),
    nav: [{ for: "worker", label: "households", order: 10 }], owns: (path) => path.startsWith("/h/") },
  { path: /^\/h\/[^/]+\/edit$/, for: ["worker"], screen: (view, { parts }) => editHouseholdScreen(view, parts[2]) },
  { path: /^\/h\//, for: ["worker"], screen: (view, { parts }) => householdScreen(view, parts[2]) },
];
