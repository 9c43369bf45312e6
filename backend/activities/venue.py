"""The room an activity is held in: a published activity holds its time in its function room
(backend.rooms books a slot of kind "activity" under the reference "activity:<id>"), in the same
transaction as the publish or the edit that moves it; cancelling the activity frees the room. A taken
slot refuses the change with a problem naming `room_id` and offering the next free slot. Activities
import rooms, never the other way. Flushes; the caller commits."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backend.activities.models import Activity
from backend.errors import Conflict, Invalid
from backend.rooms import services as room_services
from backend.rooms.models import Room


class RoomTaken(Conflict):
    """The activity's room is booked at its time: nothing is written. `next_free` offers the
    room's next free slot of the same length (or null)."""

    title = "Room taken"

    def __init__(self, detail: str, slot: dict, next_free: dict | None):
        super().__init__(detail, {"room_id": [detail]})
        self.slot, self.next_free = slot, next_free

    def problem(self) -> dict:
        return {**super().problem(), "slot": self.slot, "next_free": self.next_free}


def reference(activity: Activity) -> str:
    return f"activity:{activity.id}"


def check_room(session, room_id: str | None, community_id: str) -> None:
    """A room, when named, must be an active room of the activity's community."""
    if not room_id:
        return
    room = session.get(Room, room_id)
    if room is None or room.community_id != community_id or not room.active:
        raise Invalid({"room_id": [_l("No such room in this community.")]})


def hold(session, activity: Activity, now=None) -> None:
    """Book (or move) the activity's slot in its room; free it when it has no room any more."""
    ref = reference(activity)
    room_services.release_slot(session, reference=ref, now=now)
    if not activity.room_id or activity.status != "published":
        return
    try:
        room_services.book_slot(session, room_id=activity.room_id, starts_at=activity.starts_at,
                                ends_at=activity.ends_at, user_id=activity.created_by_id, kind="activity",
                                reference=ref, now=now)
    except room_services.SlotTaken as exc:
        suggestion = ""
        if exc.next_free:
            suggestion = " " + _("Next free: %(start)s to %(end)s (UTC).", start=exc.next_free["starts_at"],
                                 end=exc.next_free["ends_at"])
        raise RoomTaken(exc.detail + suggestion, exc.slot, exc.next_free) from None


def free(session, activity: Activity, now=None) -> None:
    room_services.release_slot(session, reference=reference(activity), now=now)
