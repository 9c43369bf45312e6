"""The sharing community on devices: posts (editable, merged field by field; their status
moves only through the server), the answers that become exchanges (stateful: created by
the answering neighbour, then moved by actions) and the categories catalogue (read-only).

Partitions (issue 13's contract): posts reach the community's staff ("all"), the post's
grid's workers ("grid"), the community's residents ("public"), the residents of the street's
other communities when posted for the whole street ("street") and their author ("user");
an exchange reaches staff, the grid's workers and its two sides only ("user": responder_id,
author_id), never a whole community; the catalogue reaches every device of the community.
Hidden and withdrawn posts are retired: they leave every device. Moderation fields (hide
reasons, reports) are never on the wire."""

from flask_babel import gettext as _

from backend.auth import policy
from backend.extensions import db
from backend.sharing import exchanges, posts
from backend.sharing.models import KINDS, POST_STATUSES, REACHES, RESPONSE_STATUSES, Post, PostResponse, ShareCategory
from backend.sharing.schemas import post_create, response_create
from sync.apply import Applier, EditableApplier, ReadOnlyApplier, Rejected, gone
from sync.collections import EDITABLE, LAST_WRITE_WINS, READ_ONLY, STATEFUL, Collection
from sync.wire import NULLABLE, PHOTOS, STRING, TIME

_POST_WIRE = ("id", "community_id", "grid_id", "household_id", "author_id", "author_name", "on_behalf", "kind",
              "category", "title", "body", "photos", "availability", "reach", "capacity", "status", "created_at",
              "updated_at")

POSTS = Collection(
    name="posts", model=Post, kind=EDITABLE,
    wire={name: name for name in _POST_WIRE},  # never the moderation fields
    tracked_attrs=(*(name for name in _POST_WIRE if name != "id"), "retired_at"),
    merge_fields=posts.EDITABLE_FIELDS, rule=LAST_WRITE_WINS,
    partition_kinds=("all", "grid", "public", "street", "user"),
    # reach decides the street partitions: its change leaves a tombstone like a move
    partition_attrs=("community_id", "grid_id", "household_id", "reach"),
    street_only=lambda table: table.c.reach == "street", user_attrs=("author_id",),
    description="Posts of the sharing community (lend, give, skill, help). Editable by the author's side, merged "
                "field by field (title, body, category, availability, photos, reach, capacity; the later "
                "client_time wins); the status moves only through the server. Hidden by staff or withdrawn "
                "(op 'delete'): retired, so it leaves every device.",
)

_RESPONSE_WIRE = ("id", "post_id", "community_id", "grid_id", "responder_id", "responder_name", "on_behalf",
                  "author_id", "message", "status", "due_at", "overdue", "reminded_at", "confirmed_by_author",
                  "confirmed_by_responder", "author_score", "author_comment", "responder_score", "responder_comment",
                  "created_at", "accepted_at", "done_at", "closed_at")

POST_RESPONSES = Collection(
    name="post_responses", model=PostResponse, kind=STATEFUL,
    wire={name: name for name in _RESPONSE_WIRE},
    tracked_attrs=(*(name for name in _RESPONSE_WIRE if name != "id"), "household_id", "updated_at"),
    partition_kinds=("all", "grid", "user"), partition_attrs=("community_id", "grid_id", "household_id"),
    user_attrs=("responder_id", "author_id"),
    description="Answers to posts, which the author's acceptance makes exchanges. Stateful: created by the "
                "answering neighbour, then moved only by op 'action' commands (accept, decline, withdraw, cancel, "
                "hand_over (due_at), return, done, confirm, rate). An accept that finds the item promised already "
                "is rejected (409) naming no one.",
)


class _CommunityWide(Collection):
    """A community's catalogue: every partition of the community receives all of it."""

    def partition_condition(self, kind, space, key):
        if kind not in self.partition_kinds:
            raise ValueError(kind)
        return self.table.c[self.space_attr] == space


SHARE_CATEGORIES = _CommunityWide(
    name="share_categories", model=ShareCategory, kind=READ_ONLY,
    wire={"id": "id", "community_id": "community_id", "name": "name", "sort_order": "sort_order"},
    tracked_attrs=("community_id", "name", "sort_order", "retired_at"),
    partition_kinds=("all", "grid", "public"), partition_attrs=("community_id",), household_attr=None,
    description="The categories of a community's sharing catalogue, kept by its staff (read-only on devices).",
)


class PostApplier(EditableApplier):
    """Created by a neighbour (or staff for a resident with no phone); merged field by field;
    a delete withdraws it."""

    collection = POSTS
    model = Post
    create_fields = frozenset(set(post_create.fields) - {"id"})
    update_fields = frozenset(posts.EDITABLE_FIELDS)

    def on_create(self, session, user, mutation, appends, context):
        if session.get(Post, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("A post with this id exists already."))
        record = posts.create_post(session, user, {**mutation.data, "id": mutation.record_id})
        return {"status": "applied", "version": record.version}

    def update(self, user, record, data):
        posts.update_post(db.session, user, record, data)

    def retire(self, user, record, reason):
        posts.withdraw_post(db.session, user, record)


class ResponseApplier(Applier):
    """Stateful: created once by the answering neighbour, then moved only by the machine's actions."""

    collection = POST_RESPONSES
    create_fields = frozenset(set(response_create.fields) - {"id"})
    actions = {name: tuple(fields) for name, fields in exchanges.ACTION_FIELDS.items()}

    def refusal(self, op):
        return _("Answers change only through actions (op 'action'): %(actions)s.",
                 actions=", ".join(exchanges.ACTIONS))

    def on_create(self, session, user, mutation, appends, context):
        if session.get(PostResponse, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("An answer with this id exists already."))
        record = exchanges.respond(session, user, {**mutation.data, "id": mutation.record_id})
        return {"status": "applied", "version": record.version}

    def on_action(self, session, user, mutation, appends, context):
        if mutation.action not in self.actions:
            raise Rejected(422, "Unknown action", _("Answers accept the actions: %(actions)s.",
                                                    actions=", ".join(exchanges.ACTIONS)))
        record = session.get(PostResponse, mutation.record_id)
        if record is None or not policy.can(user, policy.READ, record):
            raise gone()
        exchanges.transition(session, user, record, mutation.action, mutation.data)
        session.flush()
        return {"status": "applied", "version": record.version}


APPLIERS = {
    "posts": PostApplier(),
    "post_responses": ResponseApplier(),
    "share_categories": ReadOnlyApplier(SHARE_CATEGORIES, lambda: _("The sharing catalogue is kept by staff.")),
}
COLLECTIONS = (POSTS, POST_RESPONSES, SHARE_CATEGORIES)
_SCORE = {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True}
RECORDS = {
    "posts": {"id": STRING, "community_id": STRING, "grid_id": NULLABLE, "household_id": NULLABLE,
              "author_id": NULLABLE, "author_name": STRING, "on_behalf": {"type": "boolean"},
              "kind": {"type": "string", "enum": list(KINDS)}, "category": NULLABLE, "title": STRING,
              "body": STRING, "photos": PHOTOS, "availability": STRING,
              "reach": {"type": "string", "enum": list(REACHES)}, "capacity": {"type": "integer", "minimum": 1},
              "status": {"type": "string", "enum": list(POST_STATUSES)}, "created_at": TIME, "updated_at": TIME},
    "post_responses": {"id": STRING, "post_id": STRING, "community_id": STRING, "grid_id": NULLABLE,
                       "responder_id": NULLABLE, "responder_name": STRING, "on_behalf": {"type": "boolean"},
                       "author_id": NULLABLE, "message": STRING,
                       "status": {"type": "string", "enum": list(RESPONSE_STATUSES)}, "due_at": TIME,
                       "overdue": {"type": "boolean"}, "reminded_at": TIME,
                       "confirmed_by_author": {"type": "boolean"}, "confirmed_by_responder": {"type": "boolean"},
                       "author_score": _SCORE, "author_comment": STRING, "responder_score": _SCORE,
                       "responder_comment": STRING, "created_at": TIME, "accepted_at": TIME, "done_at": TIME,
                       "closed_at": TIME},
    "share_categories": {"id": STRING, "community_id": STRING, "name": STRING, "sort_order": {"type": "integer"}},
}
