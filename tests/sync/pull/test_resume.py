"""A pull resumes from its cursor: nothing twice, nothing missed; a cursor the
server cannot continue (ahead of it, or naming what is no partition) starts
over; the pull notes itself for the status endpoint at most once a minute."""

from datetime import timedelta

from sqlalchemy import select

from backend import clock
from backend.extensions import db
from sync import cursor as cursors
from sync.changefeed import space_versions
from sync.models import SyncDevice
from sync.pull import pull
from sync.scope import partitions


def test_a_finished_pull_resumes_with_nothing_and_then_with_what_changed(world, device):
    phone = device("staff1")
    phone.pull()
    again = phone.pull_page()
    assert (again["changes"], again["reset"], again["has_more"]) == ([], False, False)
    world.H2.notes = "后来改的"
    db.session.commit()
    page = phone.pull_page()
    assert [(c["collection"], c["id"]) for c in page["changes"]] == [("households", world.H2.id)]


def test_a_cursor_ahead_of_the_server_starts_over(world, app):
    user = world.worker1
    (part,) = partitions(db.session, user)
    top = space_versions(db.session, [part.space])[part.space]
    with app.test_request_context():
        ahead = cursors.encode(user.id, {str(part): top + 10})
        at_top = cursors.encode(user.id, {str(part): top})
        odd = cursors.encode(user.id, {str(part): top, "not a partition": 1})
        assert pull(db.session, user, ahead, 100).reset is True
        assert pull(db.session, user, odd, 100).reset is True
        resumed = pull(db.session, user, at_top, 100)
        started_over = pull(db.session, user, ahead, 1000).changes
    assert resumed.reset is False and resumed.changes == []
    assert {c["id"] for c in started_over if c["collection"] == "households"} == {world.H1.id}


def test_the_pull_is_noted_at_most_once_a_minute(world, device):
    phone = device("worker1")
    phone.pull()
    first = db.session.scalar(select(SyncDevice.last_pull_at))
    assert first is not None
    phone.pull()
    db.session.expire_all()
    assert db.session.scalar(select(SyncDevice.last_pull_at)) == first
    clock.run_from(clock.now() + timedelta(minutes=2))
    phone.pull()
    db.session.expire_all()
    assert db.session.scalar(select(SyncDevice.last_pull_at)) > first + timedelta(minutes=1)
