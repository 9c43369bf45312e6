"""Function rooms in the demo city: the rooms of every community centre (健康小屋, 图书馆,
书法绘画室, seed 000) and a year of bookings around today (half past, half to come): weekly
classes, one-off bookings by residents (some awaiting approval, one refused, one cancelled) and a
monthly maintenance block. Written as slots through the services' one writer (`insert_slots`),
never overlapping. Deterministic."""

import random
import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from backend import clock
from backend.auth.models import User, user_scopes
from backend.common import utcnow
from backend.extensions import db
from backend.org.models import Node
from backend.rooms import services
from backend.rooms.models import Booking, BookingSlot, Room

WEEKDAYS = {str(d): [["08:30", "11:30"], ["14:00", "17:30"]] for d in range(5)}
WEEKEND = {"5": [["09:00", "16:00"]]}
ROOMS = (
    ("健康小屋", 8, {**WEEKDAYS}, "测血压、血糖请带医保卡；请保持安静。", ["residents", "staff"], False),
    ("图书馆", 30, {**WEEKDAYS, **WEEKEND, "6": [["09:00", "16:00"]]}, "借阅请登记，室内禁止饮食。",
     ["residents", "organisations", "staff"], False),
    ("书法绘画室", 16, {**WEEKDAYS, **WEEKEND}, "用后请清洗笔砚、整理桌椅。", ["residents", "organisations", "staff"],
     True),
)
# room, weekday, local start, local end, purpose, kind
WEEKLY = (
    (2, 5, "09:00", "11:00", "周六书法课", "booking"),
    (1, 2, "14:30", "16:30", "老年读书会", "booking"),
    (0, 1, "09:00", "10:30", "家庭医生健康讲座", "booking"),
)
ONE_OFF = ("亲子绘本共读", "社区志愿者培训", "楼栋议事会", "太极拳交流", "国画小组", "居民协商会")
HALF_YEAR = 26  # weeks each side of today


def seed(plan, echo=None, checkpoint=None) -> dict:
    """The area's seed-demo hook (backend/areas.py)."""
    return populate(plan.seed)


def _local(day: date, hhmm: str) -> datetime:
    return services._naive_utc(datetime.combine(day, time.fromisoformat(hhmm), tzinfo=clock.SHANGHAI))


def _write(room, user_id, purpose, ranges, status, kind, now, recurrence=None, reason="") -> Booking | None:
    """One booking of the demo, if every occurrence is free (the demo never overlaps)."""
    if any(services.busy(db.session, room.id, s, e) for s, e in ranges):
        return None
    starts_at, ends_at = ranges[0]
    booking = Booking(id=str(uuid.uuid4()), room_id=room.id, community_id=room.community_id, user_id=user_id,
                      purpose=purpose, starts_at=starts_at, ends_at=ends_at, recurrence=recurrence, status=status,
                      kind=kind, reason=reason, created_at=min(now, starts_at - timedelta(days=3)), updated_at=now)
    db.session.add(booking)
    db.session.flush([booking])
    services.insert_slots(db.session, room, booking, ranges, now)
    if status not in ("pending", "confirmed"):
        db.session.execute(BookingSlot.__table__.update().where(BookingSlot.booking_id == booking.id)
                           .values(active=False))
    return booking


def _people(community_id):
    residents = db.session.scalars(select(User.id).where(User.community_id == community_id, User.role == "resident",
                                                         User.status == "active").order_by(User.username)
                                   .limit(10)).all()
    staff = db.session.scalar(select(User.id).join(user_scopes, user_scopes.c.user_id == User.id)
                              .where(user_scopes.c.node_id == community_id, User.role == "community_staff")
                              .order_by(User.username).limit(1))
    return list(residents), staff


def populate(seed: int, now=None) -> dict:
    """Rooms and a year of bookings in every live community. Flushes; the caller commits."""
    now = now or utcnow()
    rng = random.Random(seed * 7919 + 14)
    today = services.local(now).date()
    monday = today - timedelta(days=today.weekday())
    for community_id in db.session.scalars(select(Node.id).where(Node.kind == "community", Node.retired_at.is_(None))
                                           .order_by(Node.path)).all():
        rooms = []
        for name, capacity, hours, rules, bookable, approval in ROOMS:
            room = Room(id=str(uuid.uuid4()), community_id=community_id, name=name, capacity=capacity,
                        opening_hours=hours, rules=rules, bookable_by=bookable, needs_approval=approval, active=True,
                        created_at=now - timedelta(days=400), updated_at=now - timedelta(days=400))
            db.session.add(room)
            rooms.append(room)
        db.session.flush()
        residents, staff = _people(community_id)
        booker = staff or (residents[0] if residents else None)
        first = monday - timedelta(weeks=HALF_YEAR)
        for index, weekday, start, end, purpose, kind in WEEKLY:
            day = first + timedelta(days=weekday)
            ranges = [(_local(day + timedelta(weeks=n), start), _local(day + timedelta(weeks=n), end))
                      for n in range(2 * HALF_YEAR)]
            # a weekly series is at most machine.MAX_WEEKS long: two halves of the year
            for half in (ranges[:HALF_YEAR], ranges[HALF_YEAR:]):
                _write(rooms[index], booker, purpose, half, "confirmed", kind, now, {"weekly": len(half)})
        for month in range(-6, 6):  # the health hut's monthly check, the first Monday morning
            day = monday + timedelta(weeks=4 * month) + timedelta(days=0)
            _write(rooms[0], staff, "设备检修", [(_local(day, "07:00"), _local(day, "08:30"))], "confirmed",
                   "maintenance", now)
        for n in range(24):  # one-off bookings by residents, spread over the year
            if not residents:
                break
            day = monday + timedelta(days=rng.randrange(-HALF_YEAR * 7, HALF_YEAR * 7))
            room = rooms[rng.randrange(len(rooms))]
            spans = (room.opening_hours or {}).get(str(day.weekday()))
            if not spans:
                continue
            opens, closes = spans[-1]
            s = _local(day, opens)
            e = min(s + timedelta(hours=2), _local(day, closes))
            future = s > now
            status = "confirmed"
            if room.needs_approval and future:
                status = "pending" if n % 3 else "refused"
            if n % 11 == 5:
                status = "cancelled"
            _write(room, rng.choice(residents), ONE_OFF[n % len(ONE_OFF)], [(s, e)], status, "booking", now,
                   reason="时间与社区活动冲突" if status == "refused" else "")
    db.session.flush()
    return {"rooms": db.session.scalar(select(func.count()).select_from(Room)),
            "bookings": db.session.scalar(select(func.count()).select_from(Booking)),
            "booking_slots": db.session.scalar(select(func.count()).select_from(BookingSlot))}
