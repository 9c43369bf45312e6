"""Field work (走访巡查): what grid workers do door to door and on patrol.

- `records`: the fields every field record shares (photos, their times, a
  position, a device's time), also used by requests raised in the field;
- `visits`: door-to-door visits, the visit rules and the tasks they plan;
- `patrols`: patrol reports, problems found and photographed on patrol.

Each part registers itself as an area (backend/areas.py); the pages of both
are frontend/fieldwork."""
