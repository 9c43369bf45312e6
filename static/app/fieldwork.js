// Visits' screens in the field app (the visits area, backend/fieldwork/visits/__init__.py): today's visit
// tasks and the visit form. The screens themselves are in screens.js.
import { tasksScreen, visitScreen } from "./screens.js";

export const routes = [
  { path: "/tasks", for: ["worker"], screen: (view) => tasksScreen(view),
    nav: [{ for: "worker", label: "tasks", order: 20 }] },
  { path: "/visit", for: ["worker"], screen: (view, { params }) => visitScreen(view, params) },
];
