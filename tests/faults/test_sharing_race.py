"""One item, one promise, under real concurrency: the author's phones accept different neighbours'
answers to one post at the same moment, through gunicorn's workers over real sockets. The server
decides inside the write transaction: exactly one accept of a lend wins (exactly `capacity` of a
skill class), every other is `rejected` with 409, and the post's count agrees."""

import threading

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.sharing import exchanges, posts
from backend.sharing.models import Post, PostResponse
from tests.factories import UserFactory
from tests.faults.conftest import HttpClient
from tests.sync.conftest import Device

PHONES = 6


def _accept_at_once(phones, answer_ids):
    barrier = threading.Barrier(len(phones))
    results, errors = [None] * len(phones), []

    def run(index):
        try:
            mutation = phones[index].mutation("post_responses", "action", answer_ids[index], {}, action="accept")
            barrier.wait(timeout=30)
            response = phones[index].push_raw([mutation])
            results[index] = response.get_json()["results"][0]
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def _round(world, neighbours, kind, capacity):
    post = posts.create_post(db.session, world.resident1, {"kind": kind, "title": f"{kind} race",
                                                           "capacity": capacity})
    answers = [exchanges.respond(db.session, n, {"post_id": post.id, "message": "我想要"}).id for n in neighbours]
    db.session.commit()
    return post.id, answers


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "capacity", "rounds"), [("lend", 1, 8), ("skill", 3, 4)])
def test_concurrent_accepts_through_gunicorn_promise_no_more_than_there_is(world, server, kind, capacity, rounds):
    neighbours = [UserFactory(role="resident", home=world.H2) for _ in range(PHONES)]
    db.session.commit()
    phones = [Device(HttpClient(server.url), "resident1") for _ in range(PHONES)]
    for _ in range(rounds):
        post_id, answers = _round(world, neighbours, kind, capacity)
        results = _accept_at_once(phones, answers)
        applied = [r for r in results if r["status"] == "applied"]
        rejected = [r for r in results if r["status"] == "rejected"]
        assert len(applied) == capacity and len(rejected) == PHONES - capacity, results
        assert all(r["error"]["status"] == 409 for r in rejected), rejected
        db.session.rollback()
        accepted = db.session.scalar(select(func.count()).select_from(PostResponse).where(
            PostResponse.post_id == post_id, PostResponse.status == "accepted"))
        post = db.session.get(Post, post_id)
        assert accepted == post.taken == capacity and post.status == "full"
