"""The "My data" page: a resident sees their household's data, downloads it, asks for a
correction (the message next to the field when it does not say enough) and follows its answer."""

import json

from sqlalchemy import select

from backend.extensions import db
from backend.requests import services as requests
from backend.requests.models import Request
from tests.factories import take_step
from tests.frontend.registry.conftest import error_for


def test_the_page_shows_the_household_and_offers_the_downloads(world, browser):
    me = browser("resident1", staff=False)
    html = me.get("/my-data/").get_data(as_text=True)
    assert world.H1.address in html and "张秀英" in html and "1****************X" in html
    assert "11010119400101123X" not in html and "Under community correction" not in html
    assert 'id="download-json"' in html and 'id="download-csv"' in html
    assert world.H2.address not in html and "李娜" not in html
    home = me.get("/").get_data(as_text=True)
    assert 'id="nav-my-data"' in home
    download = me.get("/my-data/download.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.get_data(as_text=True))["household"]["id"] == world.H1.id
    assert me.get("/my-data/download.csv").mimetype == "text/csv"


def test_staff_have_no_such_page(world, browser):
    staff = browser("staff1")
    assert staff.get("/my-data/").status_code == 403
    assert staff.get("/my-data/download.json").status_code == 403
    assert 'id="nav-my-data"' not in staff.get("/registry/households").get_data(as_text=True)


def test_a_correction_is_asked_and_its_answer_shown(world, browser):
    me = browser("resident1", staff=False)
    bad = me.post("/my-data/corrections", {"field": "resident.name", "resident_id": "", "wrong": "张伟",
                                           "should_be": "张玮"})
    assert bad.status_code == 422
    assert error_for(bad.get_data(as_text=True), "resident_id") == "Choose the person whose details are wrong."
    sent = me.post("/my-data/corrections", {"field": "resident.name", "resident_id": world.R1.id, "wrong": "张伟",
                                            "should_be": "张玮"})
    assert sent.status_code == 303
    asked = db.session.scalar(select(Request).where(Request.category == "correction"))
    assert asked.household_id == world.H1.id
    take_step(asked, "accept")
    requests.transition(db.session, world.staff1, asked, "resolve", {"message": "已改为张玮"})
    db.session.commit()
    html = me.get("/my-data/").get_data(as_text=True)
    corrections = html.split('id="corrections"', 1)[1]
    assert "已改为张玮" in corrections and "resolved" in corrections
