"""Moderation: reports (staff-only), hiding with a reason (audited) and showing again, the
categories catalogue, the deployment's banned words."""

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.sharing import moderation
from tests.backend.sharing.conftest import NOW, answer, make_post


def test_a_resident_reports_and_staff_hide_with_a_reason(world, neighbours):
    post = make_post(world.resident1)
    pending = answer(post, neighbours["resident2"])
    report = moderation.report(db.session, neighbours["resident2"], post, {"reason": "像是广告"})
    with pytest.raises(Conflict):
        moderation.report(db.session, neighbours["resident2"], post, {"reason": "again"})
    with pytest.raises(Invalid) as caught:
        moderation.report(db.session, world.resident1, post, {"reason": " "})
    assert "reason" in caught.value.errors
    with pytest.raises(Refused):  # another street's resident cannot see it
        moderation.report(db.session, neighbours["resident3"], post, {"reason": "x"})
    assert [r.id for r in moderation.reports_queue(db.session, world.staff1)] == [report.id]
    assert moderation.reports_queue(db.session, world.staff2) == []
    assert moderation.reports_queue(db.session, world.resident1) == []
    for user in (world.resident1, world.worker1, world.staff2):
        with pytest.raises(Refused):
            moderation.hide(db.session, user, post, {"reason": "x"})
    with pytest.raises(Invalid) as caught:
        moderation.hide(db.session, world.staff1, post, {})
    assert "reason" in caught.value.errors
    moderation.hide(db.session, world.staff1, post, {"reason": "商业广告"}, now=NOW)
    assert (post.status, post.retired_at, post.hidden_reason, post.hidden_by_id) == ("hidden", NOW, "商业广告",
                                                                                     world.staff1.id)
    assert (pending.status, report.status) == ("cancelled", "actioned")
    with pytest.raises(NotAllowedNow):
        moderation.hide(db.session, world.staff1, post, {"reason": "again"})
    moderation.unhide(db.session, world.staff1, post)
    assert (post.status, post.retired_at, post.hidden_reason) == ("open", None, None)
    with pytest.raises(NotAllowedNow):
        moderation.unhide(db.session, world.staff1, post)
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == post.id)
                                      .order_by(AuditEntry.at, AuditEntry.id)))
    assert sorted(actions) == ["share_post.hide", "share_post.unhide"]


def test_a_report_is_dismissed_once(world, neighbours):
    post = make_post(world.resident1)
    report = moderation.report(db.session, neighbours["resident2"], post, {"reason": "x"})
    with pytest.raises(Refused):
        moderation.dismiss_report(db.session, world.staff2, report)
    moderation.dismiss_report(db.session, world.staff1, report, note="正常出借")
    assert (report.status, report.note, report.resolved_by_id) == ("dismissed", "正常出借", world.staff1.id)
    with pytest.raises(NotAllowedNow):
        moderation.dismiss_report(db.session, world.staff1, report)


def test_the_catalogue_is_kept_by_the_communitys_staff(world):
    category = moderation.add_category(db.session, world.staff1, {"community_id": world.C1.id, "name": "工具",
                                                                  "sort_order": 2})
    assert [c.name for c in moderation.categories(db.session, world.C1.id)] == ["工具"]
    with pytest.raises(Conflict):
        moderation.add_category(db.session, world.staff1, {"community_id": world.C1.id, "name": "工具"})
    for user, data, name in ((world.staff2, {"community_id": world.C1.id, "name": "书"}, "community_id"),
                             (world.worker1, {"community_id": world.C1.id, "name": "书"}, "community_id"),
                             (world.staff1, {"community_id": world.C1.id, "name": ""}, "name"),
                             (world.staff1, {"community_id": world.G1.id, "name": "书"}, "community_id")):
        with pytest.raises(Invalid) as caught:
            moderation.add_category(db.session, user, data)
        assert name in caught.value.errors
    with pytest.raises(Refused):
        moderation.retire_category(db.session, world.staff2, category)
    moderation.retire_category(db.session, world.staff1, category)
    assert moderation.categories(db.session, world.C1.id) == []
    assert len(moderation.categories(db.session, world.C1.id, include_retired=True)) == 1


def test_banned_words_are_kept_by_officers_and_refused_in_any_case(world):
    with pytest.raises(Refused):
        moderation.add_word(db.session, world.resident1, {"word": "赌博"})
    entry = moderation.add_word(db.session, world.street1, {"word": " Casino "})
    assert entry.word == "casino"
    with pytest.raises(Conflict):
        moderation.add_word(db.session, world.admin, {"word": "CASINO"})
    with pytest.raises(Invalid) as caught:
        moderation.check_words(db.session, {"message": "Best CASINO in town", "title": "fine"})
    assert list(caught.value.errors) == ["message"]
    moderation.remove_word(db.session, world.street1, entry)
    moderation.check_words(db.session, {"message": "Best CASINO in town"})
