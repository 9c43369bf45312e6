"""Function rooms (功能室): rooms that are never double booked, weekly bookings, approval,
maintenance blocks and free slots."""

from flask_babel import lazy_gettext as _l

from backend.areas import OFFICE, Area, FieldApp, NavEntry, Store

AREA = Area(
    name="rooms",
    models=("backend.rooms.models",),
    policy="backend.rooms.policy",
    api=("backend.rooms.api:bp",),
    pages=("frontend.rooms.views:bp",),
    schemas=("backend.rooms.schemas",),
    nav=(NavEntry(_l("Rooms"), "room_pages.index", OFFICE, order=27, id="nav-rooms",
                  badge="frontend.rooms.views:pending_badge", badge_title=_l("%(n)s bookings to approve")),),
    sync="sync.areas.rooms",
    field_app=FieldApp(stores=(Store("rooms", "community_id", since=4), Store("bookings", "room_id", since=4)),
                       capabilities="backend.rooms.machine:capabilities"),
    seed="backend.rooms.demo:seed",
)
