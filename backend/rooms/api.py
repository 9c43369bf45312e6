"""/api/v1/rooms/…: function rooms, their free slots, bookings and staff's decisions.
Devices book through the sync push (collection `bookings`); this API serves other clients, and the
same rules apply. A resident sees others' bookings only as busy time (free-slots), never whose or why."""

from datetime import date, timedelta

from flask import Blueprint, g, request
from sqlalchemy import select

from backend.apiframe import json_body
from backend.auth.bearer import readable, token_required
from backend.errors import ApiError
from backend.extensions import db
from backend.pagination import page_args, page_meta
from backend.rooms import services
from backend.rooms.models import STATUSES, Booking, BookingSlot, Room
from backend.rooms.schemas import booking_out, room_out

bp = Blueprint("rooms_api", __name__, url_prefix="/api/v1/rooms")
MAX_RANGE_DAYS = 31


def _room(room_id) -> Room:
    return readable(Room, room_id, "room")


def _booking(booking_id) -> Booking:
    return readable(Booking, booking_id, "booking")


def dump_booking(record: Booking) -> dict:
    slots = db.session.scalars(select(BookingSlot).where(BookingSlot.booking_id == record.id)
                               .order_by(BookingSlot.starts_at)).all()
    return booking_out.dump({**{c: getattr(record, c) for c in booking_out.fields if hasattr(record, c)},
                             "occurrences": [{"starts_at": s.starts_at, "ends_at": s.ends_at} for s in slots],
                             "actions": services.actions_for(g.user, record)})


def _day(name, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "Bad Request", f"{name} is not a date.", errors={name: ["A date: YYYY-MM-DD."]}) from None


@bp.get("")
@token_required
def list_rooms():
    """The rooms you may see (a resident: the active rooms of their community).
    ---
    get:
      tags: [rooms]
      security: [{bearer: []}]
      parameters: [{in: query, name: community_id, schema: {type: string}}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: RoomOut}}}
    """
    query = services.visible_rooms(db.session, g.user)
    if request.args.get("community_id"):
        query = query.where(Room.community_id == request.args["community_id"])
    return {"items": [room_out.dump(r) for r in db.session.scalars(query.limit(500))]}


@bp.post("")
@token_required
def create_room():
    """Add a room to a community (its managers).
    ---
    post:
      tags: [rooms]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: RoomIn}}}
      responses:
        201: {content: {application/json: {schema: RoomOut}}}
        403: {description: Not a manager of the community}
        422: {description: Validation failed; errors names the fields}
    """
    record = services.create_room(db.session, g.user, json_body())
    db.session.commit()
    return room_out.dump(record), 201


@bp.get("/bookings")
@token_required
def my_bookings():
    """Your own bookings, newest first (staff: add all=1 for every booking of your communities).
    ---
    get:
      tags: [rooms]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: status, schema: {type: string, enum: [pending, confirmed, refused, cancelled]}}
        - {in: query, name: all, schema: {type: string, enum: ["0", "1"]}}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: BookingOut}, total: {type: integer}}}
        400: {description: A filter is not valid}
    """
    page, per_page = page_args()
    status = request.args.get("status")
    if status and status not in STATUSES:
        raise ApiError(400, "Bad Request", "Unknown status.", errors={"status": ["One of: " + ", ".join(STATUSES)]})
    if request.args.get("all") == "1":
        query = services.visible_bookings(db.session, g.user)
    else:
        query = select(Booking).where(Booking.user_id == g.user.id)
    if status:
        query = query.where(Booking.status == status)
    result = db.paginate(query.order_by(Booking.starts_at.desc(), Booking.id), page=page, per_page=per_page,
                         error_out=False)
    return {"items": [dump_booking(b) for b in result.items], **page_meta(result)}


@bp.post("/bookings")
@token_required
def book():
    """Book a room: one range, or weekly (recurrence {"weekly": n}); every occurrence is checked.
    A slot already held is refused (409 "Slot taken") with `slot` and `next_free` in the problem.
    ---
    post:
      tags: [rooms]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: BookingCreate}}}
      responses:
        201: {content: {application/json: {schema: BookingOut}}}
        403: {description: You may not book this room}
        409: {description: The slot is taken (next_free offered) or the id is used}
        422: {description: Validation failed; errors names the fields}
    """
    record = services.request_booking(db.session, g.user, json_body())
    db.session.commit()
    return dump_booking(record), 201


@bp.get("/bookings/<booking_id>")
@token_required
def get_booking(booking_id):
    """One booking (yours; staff: any of their communities).
    ---
    get:
      tags: [rooms]
      security: [{bearer: []}]
      parameters: [{in: path, name: booking_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: BookingOut}}}
        404: {description: Not in your scope}
    """
    return dump_booking(_booking(booking_id))


@bp.post("/bookings/<booking_id>/<action>")
@token_required
def act(booking_id, action):
    """Take an action on a booking: cancel (the booker or staff), approve or refuse (staff), with an
    optional reason.
    ---
    post:
      tags: [rooms]
      security: [{bearer: []}]
      parameters:
        - {in: path, name: booking_id, required: true, schema: {type: string}}
        - {in: path, name: action, required: true, schema: {type: string, enum: [cancel, approve, refuse]}}
      requestBody: {required: false, content: {application/json: {schema: BookingAction}}}
      responses:
        200: {content: {application/json: {schema: BookingOut}}}
        403: {description: Not yours to decide}
        404: {description: Not in your scope}
        409: {description: Not allowed in the booking's state}
        422: {description: Validation failed; errors names the fields}
    """
    record = _booking(booking_id)
    if action not in services.ACTIONS:
        raise ApiError(404, "Not Found", "No such action.")
    data = json_body() if request.content_length else {}
    services.transition(db.session, g.user, record, action, data)
    db.session.commit()
    return dump_booking(record)


@bp.get("/<room_id>")
@token_required
def get_room(room_id):
    """One room.
    ---
    get:
      tags: [rooms]
      security: [{bearer: []}]
      parameters: [{in: path, name: room_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: RoomOut}}}
        404: {description: Not in your scope}
    """
    return room_out.dump(_room(room_id))


@bp.patch("/<room_id>")
@token_required
def update_room(room_id):
    """Edit a room (its community's managers).
    ---
    patch:
      tags: [rooms]
      security: [{bearer: []}]
      parameters: [{in: path, name: room_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: RoomUpdate}}}
      responses:
        200: {content: {application/json: {schema: RoomOut}}}
        403: {description: Not a manager of the community}
        404: {description: Not in your scope}
        422: {description: Validation failed; errors names the fields}
    """
    record = services.update_room(db.session, g.user, _room(room_id), json_body())
    db.session.commit()
    return room_out.dump(record)


@bp.get("/<room_id>/free")
@token_required
def free_slots(room_id):
    """The room's free and busy time between two local days (inclusive, at most 31 days; default: the
    next 7 days). Busy ranges never say whose or why.
    ---
    get:
      tags: [rooms]
      security: [{bearer: []}]
      parameters:
        - {in: path, name: room_id, required: true, schema: {type: string}}
        - {in: query, name: from, schema: {type: string, format: date}}
        - {in: query, name: to, schema: {type: string, format: date}}
      responses:
        200: {content: {application/json: {schema: FreeSlotsOut}}}
        400: {description: A date is not valid or the range too long}
        404: {description: Not in your scope}
    """
    room = _room(room_id)
    today = services.local(services.utcnow()).date()
    first = _day("from", today)
    last = _day("to", first + timedelta(days=6))
    if last < first or (last - first).days >= MAX_RANGE_DAYS:
        raise ApiError(400, "Bad Request", "The range is not valid.",
                       errors={"to": [f"On or after from, at most {MAX_RANGE_DAYS} days."]})
    free, held = services.free_ranges(db.session, room, first, last)
    return {"room_id": room.id, "free": [{"starts_at": services.iso(s), "ends_at": services.iso(e)} for s, e in free],
            "busy": [{"starts_at": services.iso(s), "ends_at": services.iso(e)} for s, e in held]}


@bp.post("/<room_id>/block")
@token_required
def block(room_id):
    """Block a room for maintenance (its community's managers), at any hour; refused where booked.
    ---
    post:
      tags: [rooms]
      security: [{bearer: []}]
      parameters: [{in: path, name: room_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: BlockIn}}}
      responses:
        201: {content: {application/json: {schema: BookingOut}}}
        403: {description: Not a manager of the community}
        404: {description: Not in your scope}
        409: {description: The room is booked at this time}
        422: {description: Validation failed; errors names the fields}
    """
    record = services.block(db.session, g.user, _room(room_id), json_body())
    db.session.commit()
    return dump_booking(record), 201
