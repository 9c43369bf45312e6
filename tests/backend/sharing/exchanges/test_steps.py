"""Every action of an exchange, by the side that may take it, and every refusal: the wrong side,
the wrong state, the wrong kind of post, missing or bad data."""

from datetime import timedelta

import pytest

from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.sharing import exchanges
from backend.sharing.signals import help_confirmed
from tests.backend.sharing.conftest import LATER, NOW, answer, make_post, step

DUE = (NOW + timedelta(days=3)).isoformat() + "Z"


@pytest.fixture
def lend(world, neighbours):
    post = make_post(world.resident1)
    return post, answer(post, neighbours["resident2"])


def test_a_lend_goes_out_and_comes_back_and_both_confirm_and_rate(world, neighbours, lend):
    post, response = lend
    lender, borrower = world.resident1, neighbours["resident2"]
    assert exchanges.actions_for(lender, response) == ["accept", "decline"]
    assert exchanges.actions_for(borrower, response) == ["withdraw"]
    step(response, lender, "accept")
    assert (response.status, post.status, post.taken, response.promise_key) == ("accepted", "full", 1, post.id)
    step(response, lender, "hand_over", due_at=DUE)
    assert response.status == "lent" and response.due_at == NOW + timedelta(days=3)
    step(response, lender, "return", now=LATER)
    assert (response.status, response.returned_at, response.done_at) == ("done", LATER, LATER)
    assert (post.status, post.taken, response.promise_key) == ("open", 0, None)  # it may be lent again
    step(response, borrower, "rate", score=5, comment="很守时")
    assert (response.responder_score, response.responder_comment, response.author_score) == (5, "很守时", None)
    step(response, borrower, "confirm")
    assert response.status == "done" and response.confirmed_by_responder
    step(response, lender, "confirm")
    assert response.status == "confirmed"
    step(response, lender, "rate", score=4)
    assert response.author_score == 4
    assert exchanges.actions_for(lender, response) == exchanges.actions_for(borrower, response) == []


def test_declined_withdrawn_and_cancelled_answers_end_there(world, neighbours):
    post = make_post(world.resident1, kind="give", title="旧书包")
    declined = answer(post, neighbours["resident2"])
    step(declined, world.resident1, "decline")
    assert declined.status == "declined" and declined.closed_at == NOW
    withdrawn = answer(post, neighbours["resident2"])  # answering again after a decline is fine
    step(withdrawn, neighbours["resident2"], "withdraw")
    assert withdrawn.status == "withdrawn"
    cancelled = answer(post, neighbours["resident2"])
    step(cancelled, world.resident1, "accept")
    assert post.status == "full"
    step(cancelled, neighbours["resident2"], "cancel")
    assert (cancelled.status, post.status, post.taken, cancelled.promise_key) == ("cancelled", "open", 0, None)
    for response in (declined, withdrawn, cancelled):
        assert exchanges.actions_for(world.resident1, response) == []


def test_a_give_done_closes_the_post(world, neighbours):
    post = make_post(world.resident1, kind="give", title="旧书包")
    response = answer(post, neighbours["resident2"])
    step(response, world.resident1, "accept")
    step(response, neighbours["resident2"], "done")
    assert response.status == "done" and post.status == "closed"


@pytest.mark.parametrize(("who", "action", "error"), [
    ("resident2", "accept", Refused), ("resident2", "decline", Refused), ("resident1", "withdraw", Refused),
    ("staff1", "accept", Refused), ("resident1", "return", NotAllowedNow), ("resident1", "confirm", NotAllowedNow),
    ("resident1", "rate", NotAllowedNow), ("resident1", "done", NotAllowedNow), ("resident5", "accept", Refused),
])
def test_a_pending_answer_refuses_the_wrong_side_and_the_wrong_state(world, neighbours, lend, who, action, error):
    _post, response = lend
    with pytest.raises(error):
        exchanges.transition(db.session, world.users[who], response, action, {})
    db.session.rollback()
    assert db.session.get(type(response), response.id).status == "pending"


def test_actions_of_another_kind_of_post_are_refused(world, neighbours, lend):
    _post, response = lend
    step(response, world.resident1, "accept")
    with pytest.raises(NotAllowedNow):  # a lend is handed over and returned, not "done"
        exchanges.transition(db.session, world.resident1, response, "done", {})
    help_post = make_post(world.resident1, kind="help", title="水龙头漏水")
    helping = answer(help_post, neighbours["resident2"], message="我可以帮助你")
    step(helping, world.resident1, "accept")
    with pytest.raises(NotAllowedNow):
        exchanges.transition(db.session, world.resident1, helping, "hand_over", {"due_at": DUE})


def test_bad_data_is_refused_naming_the_field(world, neighbours, lend):
    _post, response = lend
    step(response, world.resident1, "accept")
    for data, name in (({}, "due_at"), ({"due_at": (NOW - timedelta(days=1)).isoformat() + "Z"}, "due_at"),
                       ({"due_at": "soon"}, "due_at"), ({"score": 3}, "score")):
        with pytest.raises(Invalid) as caught:
            exchanges.transition(db.session, world.resident1, response, "hand_over", data)
        assert name in caught.value.errors
    with pytest.raises(Invalid) as caught:
        exchanges.transition(db.session, world.resident1, response, "nonsense", {})
    assert "action" in caught.value.errors


def test_rating_never_waits_for_the_other_side_and_is_given_once(world, neighbours):
    post = make_post(world.resident1, kind="skill", title="书法课", capacity=3)
    response = answer(post, neighbours["resident2"])
    step(response, world.resident1, "accept")
    step(response, world.resident1, "done")
    with pytest.raises(Invalid) as caught:
        exchanges.transition(db.session, world.resident1, response, "rate", {"score": 9})
    assert "score" in caught.value.errors
    with pytest.raises(Invalid):
        exchanges.transition(db.session, world.resident1, response, "rate", {})
    step(response, world.resident1, "rate", score=5, comment="好学生")
    with pytest.raises(NotAllowedNow):
        exchanges.transition(db.session, world.resident1, response, "rate", {"score": 1})
    with pytest.raises(NotAllowedNow):
        step(response, world.resident1, "confirm")
        exchanges.transition(db.session, world.resident1, response, "confirm", {})


def test_help_confirmed_is_sent_once_when_both_sides_confirm(world, neighbours):
    received = []

    def receiver(sender, session, now):
        received.append((sender.id, sender.helper_id, now))

    help_confirmed.connect(receiver)
    try:
        post = make_post(world.resident1, kind="help", title="水龙头漏水")
        response = answer(post, neighbours["resident2"], message="我可以帮助你")
        step(response, world.resident1, "accept")
        step(response, neighbours["resident2"], "done")
        step(response, neighbours["resident2"], "confirm")
        assert received == []
        step(response, world.resident1, "confirm", now=LATER)
        assert received == [(response.id, neighbours["resident2"].id, LATER)]
        step(response, world.resident1, "rate", score=5)
        exchanges.sweep(db.session, now=LATER + timedelta(days=30))
        assert response.status == "closed" and len(received) == 1
        lent = make_post(world.resident1, title="梯子")  # a lend earns no points
        loan = answer(lent, neighbours["resident2"])
        for action, data in (("accept", {}), ("hand_over", {"due_at": DUE}), ("return", {})):
            step(loan, world.resident1, action, **data)
        step(loan, world.resident1, "confirm")
        step(loan, neighbours["resident2"], "confirm")
        assert loan.status == "confirmed" and len(received) == 1
    finally:
        help_confirmed.disconnect(receiver)


def test_the_helper_of_each_kind(world, neighbours):
    for kind, helper in (("help", "resident2"), ("skill", "resident1"), ("give", "resident1")):
        post = make_post(world.resident1, kind=kind, title=kind)
        assert answer(post, neighbours["resident2"]).helper_id == world.users[helper].id


def test_an_answer_is_refused_on_a_post_that_is_not_open_or_ones_own(world, neighbours, lend):
    post, response = lend
    with pytest.raises(Invalid) as caught:
        answer(post, world.resident1)
    assert "post_id" in caught.value.errors
    with pytest.raises(Conflict):
        answer(post, neighbours["resident2"])  # answered already
    db.session.rollback()
    step(response, world.resident1, "accept")
    with pytest.raises(NotAllowedNow):
        answer(post, another_c1_resident(world))
    with pytest.raises(Invalid) as caught:
        answer(post, neighbours["resident3"])  # another street: no such post
    assert "post_id" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        exchanges.respond(db.session, neighbours["resident5"], {"post_id": post.id, "message": ""})
    assert "message" in caught.value.errors


def another_c1_resident(world):
    from tests.factories import UserFactory

    user = UserFactory(role="resident", home=world.H2)
    db.session.commit()
    return user


def test_staff_answer_for_a_resident_with_no_phone_with_consent(world, neighbours, lend):
    post, _response = lend
    data = {"post_id": post.id, "message": "张秀英想借用"}
    for extra, name in (({}, "resident_id"), ({"resident_id": world.R1b.id}, "on_behalf"),
                        ({"resident_id": world.R1b.id, "on_behalf": True}, "consent"),
                        ({"resident_id": world.R5.id, "on_behalf": True, "consent": True}, "resident_id")):
        with pytest.raises(Invalid) as caught:
            exchanges.respond(db.session, world.staff1, data | extra)
        assert name in caught.value.errors
    response = exchanges.respond(db.session, world.staff1, data | {"resident_id": world.R1b.id, "on_behalf": True,
                                                                   "consent": True})
    assert (response.on_behalf, response.consent, response.responder_name) == (True, True, "张秀英")
    assert exchanges.actions_for(world.staff1, response) == ["withdraw"]
    assert response.helper_id == world.resident1.id
