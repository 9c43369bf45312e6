"""The sharing tables keep what the rules rely on: one promise of an item, whatever writes it."""

import pytest
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.sharing.models import PostResponse
from tests.factories import PostFactory, PostResponseFactory


def test_an_item_cannot_be_promised_twice_even_past_the_services(ctx):
    post = PostFactory(kind="give")
    second = PostResponseFactory(post=post)
    first = PostResponseFactory(post=post, status="accepted")
    assert first.promise_key == post.id
    db.session.commit()
    second.promise_key = post.id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_response_hangs_under_its_post_and_names_its_helper(ctx):
    response = PostResponseFactory(post=PostFactory(kind="help"))
    db.session.commit()
    response = db.session.get(PostResponse, response.id)
    post = response.post
    assert (response.community_id, response.grid_id, response.household_id) == (post.community_id, post.grid_id,
                                                                                 post.household_id)
    assert response.helper_id == response.responder_id and response.helped_side == "author"
    assert response.author_id == post.author_id
