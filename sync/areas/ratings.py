"""Ratings' collection: append-only, but rating a request moves it (resolved -> closed)."""

from flask_babel import gettext as _

from backend.ratings import services as ratings
from backend.ratings.models import Rating
from sync.apply import Applier, Rejected
from sync.collections import APPEND_ONLY, Collection
from sync.wire import NULLABLE, STRING, TIME

RATINGS = Collection(
    name="ratings", model=Rating, kind=APPEND_ONLY,
    wire={"id": "id", "target_type": "target_type", "target_id": "target_id", "rater_id": "rater_id",
          "score": "score", "comment": "comment", "created_at": "created_at", "grid_id": "grid_id",
          "household_id": "household_id"},
    tracked_attrs=("community_id", "grid_id", "household_id"),
    partition_kinds=("all", "grid", "household"), partition_attrs=("community_id", "grid_id", "household_id"),
    description="Ratings (1-5) of resolved requests. Append-only: one per person and request; rating closes "
                "the request, and is rejected when the request is no longer resolved.",
)


class RatingApplier(Applier):
    """Append-only, but rating a request moves it (resolved -> closed): applied in a savepoint."""

    collection = RATINGS
    create_fields = frozenset({"target_type", "target_id", "score", "comment"})

    def refusal(self, op):
        return _("Ratings are never changed.")

    def on_create(self, session, user, mutation, appends, context):
        from backend.ratings.models import Rating

        if session.get(Rating, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("A rating with this id exists already."))
        data = mutation.data
        rating = ratings.rate(session, user, data.get("target_type"), data.get("target_id"), data.get("score"),
                              data.get("comment"), rating_id=mutation.record_id)
        return {"status": "applied", "version": rating.version}


APPLIERS = {"ratings": RatingApplier()}
COLLECTIONS = (RATINGS,)
RECORDS = {
    "ratings": {"id": STRING, "target_type": {"type": "string", "enum": ["request"]}, "target_id": STRING,
                "rater_id": STRING, "score": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": STRING,
                "created_at": TIME, "grid_id": NULLABLE, "household_id": NULLABLE},
}
