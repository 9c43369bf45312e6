"""A visit's notes are staff notes: the visits API answers them to the
community's staff and the grid's workers, never to street or district
officers (docs/PRIVACY.md, "Staff notes")."""

import pytest

from backend.extensions import db
from tests.factories import VisitFactory

VISIT_NOTE = "家中有自残迹象"


@pytest.mark.parametrize(("username", "sees"), [("street1", False), ("district1", False), ("staff1", True),
                                               ("worker1", True)])
def test_visit_notes_in_the_api(world, client, auth, username, sees):
    visit = VisitFactory(household=world.H1, author=world.worker1, notes=VISIT_NOTE)
    db.session.commit()
    headers = auth.headers(username)
    one = client.get(f"/api/v1/visits/{visit.id}", headers=headers).get_json()
    listed = client.get("/api/v1/visits", headers=headers).get_json()["items"]
    assert one["id"] == visit.id and visit.id in {v["id"] for v in listed}
    assert ("notes" in one) is sees
    assert (VISIT_NOTE in str(listed)) is sees
