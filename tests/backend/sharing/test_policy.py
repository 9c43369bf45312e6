"""Who sees what in the sharing community, and the list filters agree with policy.can record by record."""

import pytest
from sqlalchemy import select

from backend.auth import policy
from backend.extensions import db
from backend.sharing import moderation
from backend.sharing import policy as share_policy
from backend.sharing.models import Post, PostReport, PostResponse, ShareCategory
from tests.backend.sharing.conftest import answer, make_post
from tests.factories import ShareCategoryFactory

EVERYONE = ("admin", "district", "street1", "street2", "staff1", "staff2", "worker1", "worker2", "station1",
            "resident1", "volunteer1", "resident2", "resident5", "resident3")


@pytest.fixture
def shared(world, neighbours):
    own = make_post(world.resident1, title="只给本社区")
    street = make_post(world.resident1, title="整条街", reach="street", kind="give")
    hidden = make_post(world.resident1, title="被隐藏")
    moderation.hide(db.session, world.staff1, hidden, {"reason": "广告"})
    exchange = answer(own, neighbours["resident2"])
    db.session.commit()
    return own, street, hidden, exchange


def _readers(world, record):
    return {name for name in EVERYONE if policy.can(world.users[name], policy.READ, record)}


def test_posts_reach_their_community_and_street_reach_the_street(world, shared):
    own, street, hidden, _exchange = shared
    area = {"admin", "district", "street1", "staff1"}
    assert _readers(world, own) == area | {"worker1", "resident1", "resident2"}
    assert _readers(world, street) == area | {"worker1", "resident1", "resident2", "resident5"}
    assert _readers(world, hidden) == area  # gone from every neighbour, its author too


def test_an_exchange_is_seen_by_its_two_sides_and_the_staff_over_it(world, shared):
    _own, _street, _hidden, exchange = shared
    assert _readers(world, exchange) == {"admin", "district", "street1", "staff1", "worker1", "resident1",
                                         "resident2"}


def test_reports_and_the_catalogue(world, shared, neighbours):
    own, *_rest = shared
    report = moderation.report(db.session, neighbours["resident2"], own,
                               {"reason": "x"})
    assert _readers(world, report) == {"admin", "district", "street1", "staff1"}
    category = ShareCategoryFactory(community=world.C1)
    assert _readers(world, category) == {"admin", "district", "street1", "staff1", "worker1", "worker2",
                                         "resident1", "resident2"}
    assert policy.can(world.staff1, policy.MANAGE, category) and not policy.can(world.worker1, policy.MANAGE,
                                                                                 category)


@pytest.mark.parametrize("name", EVERYONE)
def test_the_list_filters_agree_with_the_rule(world, shared, name):
    ShareCategoryFactory(community=world.C1)
    user = world.users[name]
    for model, condition in ((Post, share_policy.post_filter(user)),
                             (PostResponse, share_policy.response_filter(user))):
        listed = set(db.session.scalars(select(model.id).where(condition)))
        allowed = {r.id for r in db.session.scalars(select(model)) if policy.can(user, policy.READ, r)}
        assert listed == allowed, model.__name__
    reports = {r.id for r in moderation.reports_queue(db.session, user, status="")}
    assert reports == {r.id for r in db.session.scalars(select(PostReport)) if policy.can(user, policy.READ, r)}
    assert all(policy.can(user, policy.READ, c) == (name in {"admin", "district", "street1", "staff1", "worker1",
                                                             "worker2", "resident1", "resident2"})
               for c in db.session.scalars(select(ShareCategory)))


def test_the_author_side_of_an_on_behalf_post(world, shared):
    own, *_rest = shared
    assert share_policy.is_post_author_side(world.resident1, own)
    assert not share_policy.is_post_author_side(world.staff1, own)  # the resident's own post is theirs
