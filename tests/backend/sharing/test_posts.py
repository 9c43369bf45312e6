"""Posts: made by a neighbour for their household, or by staff for a resident with no phone with
consent noted; edited by the author's side only; withdrawn; banned words refused naming the field."""

import pytest
from sqlalchemy import select

from backend.errors import Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.registry.models import Consent
from backend.sharing import moderation, posts
from backend.sharing.models import PostResponse
from tests.backend.sharing.conftest import NOW, answer, make_post, step
from tests.factories import BannedWordFactory, ShareCategoryFactory


def test_a_neighbour_posts_for_their_household(world):
    category = ShareCategoryFactory(community=world.C1, name="工具")
    post = make_post(world.resident1, category=category.id, availability="周末", reach="street")
    assert (post.community_id, post.grid_id, post.household_id) == (world.C1.id, world.G1.id, world.H1.id)
    assert (post.author_id, post.author_name, post.on_behalf, post.consent) == (world.resident1.id, "resident1",
                                                                              False, False)
    assert (post.status, post.capacity, post.taken, post.reach, post.created_at) == ("open", 1, 0, "street", NOW)
    assert post.version > 0  # stamped for devices


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "sell"}, "kind"), ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"title": "x" * 81}, "title"),
    ({"capacity": 3}, "capacity"), ({"kind": "skill", "capacity": 0}, "capacity"), ({"reach": "city"}, "reach"),
    ({"category": "nope"}, "category"), ({"photos": ["not-a-hash"]}, "photos.0"), ({"colour": "red"}, "colour"),
    ({"on_behalf": True}, "on_behalf"),
])
def test_bad_posts_are_refused_naming_the_field(world, data, field):
    with pytest.raises(Invalid) as caught:
        make_post(world.resident1, **data)
    assert field in caught.value.errors


def test_a_category_of_another_community_is_refused(world):
    other = ShareCategoryFactory(community=world.C2)
    with pytest.raises(Invalid) as caught:
        make_post(world.resident1, category=other.id)
    assert "category" in caught.value.errors


def test_banned_words_are_refused_naming_each_field(world):
    BannedWordFactory(word="代开发票")
    with pytest.raises(Invalid) as caught:
        make_post(world.resident1, title="代开发票", body="长期代开发票", availability="随时")
    assert set(caught.value.errors) == {"title", "body"}
    assert "代开发票" in caught.value.errors["title"][0]


def test_staff_post_for_a_resident_with_no_phone_with_consent(world):
    data = {"kind": "help", "title": "帮忙买菜"}
    for extra, name in (({}, "resident_id"), ({"resident_id": world.R1b.id}, "on_behalf"),
                        ({"resident_id": world.R1b.id, "on_behalf": True}, "consent"),
                        ({"resident_id": world.R5.id, "on_behalf": True, "consent": True}, "resident_id")):
        with pytest.raises(Invalid) as caught:
            posts.create_post(db.session, world.staff1, data | extra)
        assert name in caught.value.errors
    post = posts.create_post(db.session, world.staff1, data | {"resident_id": world.R1b.id, "on_behalf": True,
                                                               "consent": True, "consent_given_by": "张秀英本人"})
    assert (post.on_behalf, post.consent, post.consent_given_by, post.author_name) == (True, True, "张秀英本人",
                                                                                         "张秀英")
    assert (post.household_id, post.author_id) == (world.H1.id, world.staff1.id)
    db.session.commit()
    consent = db.session.scalar(select(Consent).where(Consent.purpose == "proxy_share"))
    assert (consent.resident_id, consent.basis, consent.given_by, consent.detail) == (
        world.R1b.id, "verbal", "张秀英本人", f"share_post:{post.id}")
    with pytest.raises(Invalid) as caught:
        posts.create_post(db.session, world.staff1, data | {"resident_id": world.R1b.id, "on_behalf": True,
                                                            "consent": True, "consent_basis": "guardian"})
    assert "consent_given_by" in caught.value.errors
    db.session.rollback()
    # Staff of the community act for the post; a worker of another grid may not.
    posts.update_post(db.session, world.staff1, post, {"title": "帮忙买菜和药"})
    posts.update_post(db.session, world.worker1, post, {"availability": "上午"})
    with pytest.raises(Refused):
        posts.update_post(db.session, world.worker2, post, {"title": "x"})


def test_volunteers_without_a_household_and_officers_post_nothing(world):
    for user in (world.volunteer1, world.street1):
        with pytest.raises((Refused, Invalid)):
            posts.create_post(db.session, user, {"kind": "lend", "title": "x"})


def test_only_the_author_edits_and_never_below_the_places_promised(world, neighbours):
    post = make_post(world.resident1, kind="skill", title="书法课", capacity=2)
    for user in (neighbours["resident2"], world.staff1, world.worker1):
        with pytest.raises(Refused):
            posts.update_post(db.session, user, post, {"title": "x"})
    step(answer(post, neighbours["resident2"]), world.resident1, "accept")
    step(answer(post, _c1_resident(world)), world.resident1, "accept")
    assert post.status == "full"
    with pytest.raises(Invalid) as caught:
        posts.update_post(db.session, world.resident1, post, {"capacity": 1})
    assert "capacity" in caught.value.errors
    posts.update_post(db.session, world.resident1, post, {"capacity": 3, "title": " 书法课（周六） "})
    assert (post.status, post.capacity, post.title) == ("open", 3, "书法课（周六）")
    with pytest.raises(Invalid) as caught:
        posts.update_post(db.session, world.resident1, post, {"status": "closed"})
    assert "status" in caught.value.errors


def _c1_resident(world):
    from tests.factories import UserFactory

    user = UserFactory(role="resident", home=world.H2)
    db.session.commit()
    return user


def test_withdrawing_declines_pending_answers_and_waits_for_a_loan(world, neighbours):
    post = make_post(world.resident1)
    pending = answer(post, neighbours["resident2"])
    with pytest.raises(Refused):
        posts.withdraw_post(db.session, neighbours["resident2"], post)
    posts.withdraw_post(db.session, world.resident1, post, now=NOW)
    assert (post.status, post.retired_at, pending.status) == ("withdrawn", NOW, "declined")
    with pytest.raises(NotAllowedNow):
        posts.withdraw_post(db.session, world.resident1, post)
    lent = make_post(world.resident1, title="梯子")
    loan = answer(lent, neighbours["resident2"])
    step(loan, world.resident1, "accept")
    with pytest.raises(NotAllowedNow):
        posts.withdraw_post(db.session, world.resident1, lent)
    assert db.session.get(PostResponse, loan.id).status == "accepted"


def test_a_hidden_post_cannot_be_edited(world):
    post = make_post(world.resident1)
    moderation.hide(db.session, world.staff1, post, {"reason": "广告"})
    with pytest.raises(Refused):
        posts.update_post(db.session, world.resident1, post, {"title": "x"})
