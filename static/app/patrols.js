// The patrol report form in the field app (the patrols area, backend/fieldwork/patrols/__init__.py).
import { patrolScreen } from "./screens.js";

export const routes = [
  { path: "/patrol", for: ["worker"], screen: (view) => patrolScreen(view),
    nav: [{ for: "worker", label: "patrol", order: 40 }] },
];
