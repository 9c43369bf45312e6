"""The neighbours of the world the sharing tests use: resident1 (H1, C1, grid G1) is there;
these add resident2 (H2, C1, grid G2), resident5 (H5, C2: the same street S1) and resident3
(H3, V1: another street)."""

from datetime import timedelta

import pytest

from backend.extensions import db
from backend.sharing import exchanges, posts
from tests.factories import UserFactory
from tests.timing import EPOCH

NOW = EPOCH
LATER = EPOCH + timedelta(hours=1)


@pytest.fixture
def neighbours(world):
    made = {"resident2": UserFactory(username="resident2", display_name="李娜", role="resident", home=world.H2),
            "resident5": UserFactory(username="resident5", display_name="王强", role="resident", home=world.H5),
            "resident3": UserFactory(username="resident3", display_name="刘洋", role="resident", home=world.H3)}
    db.session.commit()
    for name, user in made.items():
        world.users[name] = user
    return made


def make_post(author, now=NOW, **data):
    post = posts.create_post(db.session, author, {"kind": "lend", "title": "电钻出借", "body": "周末可借"} | data,
                             now=now)
    db.session.commit()
    return post


def answer(post, responder, now=NOW, **data):
    response = exchanges.respond(db.session, responder, {"post_id": post.id, "message": "我想借用"} | data, now=now)
    db.session.commit()
    return response


def step(response, actor, action, now=NOW, **data):
    exchanges.transition(db.session, actor, response, action, data, now=now)
    db.session.commit()
    return response
