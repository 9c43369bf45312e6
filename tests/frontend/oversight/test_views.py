"""The audit page: managers only, each seeing their accounts' entries; filters; the
revealed value never on it; the week's alerts on it and today's count in the navigation."""

import re

from backend.audit import services as audit
from backend.extensions import db
from backend.registry import services as registry
from tests.factories import RevealAlertFactory
from tests.timing import EPOCH


def _actors(html: str) -> list[str]:
    body = html.split('id="entries"', 1)[1]
    return re.findall(r"\(([a-z0-9_]+)\)</td>", body)


def _seed(world):
    registry.reveal(world.worker1, world.R1, "id_number")
    audit.record(world.staff2, "reveal", "resident", world.R5.id, {"field": "phone"})
    audit.record(world.worker2, "update", "household", world.H2.id, {"fields": ["phone"]})
    db.session.commit()


def test_only_managers_may_open_it(world, browser):
    assert browser().get("/audit/").status_code in (302, 401)
    for name in ("worker1", "station1", "volunteer1", "resident1"):
        assert browser(name).get("/audit/").status_code == 403, name
    for name in ("admin", "district1", "street1", "staff1"):
        assert browser(name).get("/audit/").status_code == 200, name


def test_each_manager_sees_their_accounts_and_never_the_revealed_value(world, browser):
    _seed(world)
    html = browser("staff1").get("/audit/").get_data(as_text=True)
    assert sorted(_actors(html)) == ["worker1", "worker2"]
    assert "id_number" in html and "11010119400101123X" not in html and "13800000001" not in html
    assert sorted(_actors(browser("staff2").get("/audit/").get_data(as_text=True))) == ["staff2"]
    assert sorted(_actors(browser("street1").get("/audit/").get_data(as_text=True))) == ["staff2", "worker1",
                                                                                          "worker2"]


def test_filters_and_the_htmx_fragment(world, browser):
    _seed(world)
    street1 = browser("street1")
    assert _actors(street1.get("/audit/?action=reveal&target_type=resident").get_data(as_text=True)) \
        == ["staff2", "worker1"]
    assert _actors(street1.get("/audit/?account=worker2").get_data(as_text=True)) == ["worker2"]
    day = EPOCH.date().isoformat()
    assert len(_actors(street1.get(f"/audit/?since={day}&until={day}").get_data(as_text=True))) == 3
    response = street1.get("/audit/?action=update", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"] and "<h1>" not in html and _actors(html) == ["worker2"]


def test_a_bad_date_is_reported_next_to_its_field(world, browser):
    _seed(world)
    response = browser("staff1").get("/audit/?since=27/11/2026&page=abc")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="e-since"' in html and "A date such as" in html
    assert len(_actors(html)) == 2


def test_the_alerts_are_shown_to_the_accounts_managers(world, browser):
    RevealAlertFactory(user=world.worker1, day=EPOCH.date(), count=20)
    RevealAlertFactory(user=world.staff2, day=EPOCH.date(), count=20)
    db.session.commit()
    html = browser("staff1").get("/audit/").get_data(as_text=True)
    alerts = html.split('id="reveal-alerts"', 1)[1].split("</section>", 1)[0]
    assert 'data-user="worker1"' in alerts and 'data-user="staff2"' not in alerts
    badge = re.search(r'id="nav-audit-overdue"[^>]*>(\d+)<', html)
    assert badge and badge.group(1) == "1" and 'title="Unusual reveals today: 1"' in badge.group(0)
    street = browser("street1").get("/audit/").get_data(as_text=True)
    assert re.search(r'id="nav-audit-overdue"[^>]*>(\d+)<', street).group(1) == "2"


def test_no_badge_without_alerts(world, browser):
    html = browser("staff1").get("/audit/").get_data(as_text=True)
    assert 'id="nav-audit"' in html and 'id="nav-audit-overdue"' not in html
    assert "No unusual reveals in the last week." in html
