"""The visits page shows a visit's notes (staff notes) to community staff,
never to street and district officers (docs/PRIVACY.md, "Staff notes")."""

import pytest

from backend.extensions import db
from tests.factories import VisitFactory

VISIT_NOTE = "孩子长期无人照看"


@pytest.mark.parametrize(("username", "sees"), [("street1", False), ("district1", False), ("staff1", True)])
def test_visit_notes_on_the_visits_page(world, client, auth, username, sees):
    visit = VisitFactory(household=world.H1, author=world.worker1, notes=VISIT_NOTE)
    db.session.commit()
    auth.login(username)
    html = client.get("/fieldwork/visits").get_data(as_text=True)
    assert f'id="visit-{visit.id}"' in html
    assert (VISIT_NOTE in html) is sees
