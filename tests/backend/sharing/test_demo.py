"""The sharing part of the demo city, seeded into the test world: a catalogue in every community,
three neighbours' accounts, posts in every state and exchanges in every state, with ratings, an
overdue loan, a hidden post, a post made for a resident with no phone; the sweep run once."""

from sqlalchemy import select

from backend.extensions import db
from backend.sharing import demo
from backend.sharing.models import POST_STATUSES, Post, PostReport, PostResponse, ShareCategory
from tests.backend.sharing.conftest import NOW


def test_posts_and_exchanges_in_every_state(world):
    counts = demo.populate(7, now=NOW)
    communities = 3
    assert counts["share_categories"] == communities * len(demo.CATEGORIES)
    assert db.session.scalar(select(db.func.count()).select_from(ShareCategory)) == counts["share_categories"]
    post_states = set(db.session.scalars(select(Post.status)))
    assert post_states == set(POST_STATUSES)  # open, full, closed, withdrawn, hidden
    exchange_states = set(db.session.scalars(select(PostResponse.status)))
    assert exchange_states == {"pending", "accepted", "lent", "done", "confirmed", "closed", "declined", "withdrawn",
                               "cancelled"}
    assert db.session.scalar(select(PostResponse.id).where(PostResponse.overdue.is_(True))) is not None
    rated = db.session.scalars(select(PostResponse).where(PostResponse.author_score.is_not(None))).all()
    assert rated and all(1 <= r.author_score <= 5 for r in rated)
    assert db.session.scalar(select(Post.id).where(Post.on_behalf.is_(True))) is not None
    assert db.session.scalar(select(PostReport.status)) == "actioned"
    assert all(p.created_at <= NOW for p in db.session.scalars(select(Post)))
    assert {p.community_id for p in db.session.scalars(select(Post))} == {world.C1.id}


def test_every_story_is_told(world):
    counts = demo.populate(7, now=NOW)
    answers = sum(len(story[-1]) for story in demo.STORIES) + 1  # and one to the post made on behalf
    assert (counts["posts"], counts["exchanges"]) == (len(demo.STORIES) + 3, answers)
