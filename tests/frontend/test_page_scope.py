"""The scope matrix through the management pages: every role against every
kind of record of tests/backend/auth/matrix.py (the same hand-written table the
policy and API tests use), signed in through the real sign-in page, posting
with each session's real CSRF token.

A cell reads the record's page (200, else 404), opens its forms and posts an
edit (success and the database changed, else 403 for a readable record the
user may not change, 404 outside their area, and the database unchanged),
retires, reveals and manages where a page offers it, and checks the page shows
exactly the actions allowed. The list pages hold exactly the readable records.

Pages that differ from the bare matrix by a documented page rule:
- Residents and volunteers have no registry pages except a resident's own
  household page (frontend/registry/views.py): a resident reads the people of
  their household there, and a resident's page is 404 to them.
- The accounts area is for managers only (`_managers_only`, 403 for everyone
  else, whatever the id); everyone's own account page is /account/devices.
- A district cannot be moved (move form 403 even for admin).

The world is built once for the module and each role signs in once. Allowed
changes are notes (harmless to every other cell) or are undone at once
(retire then restore, deactivate then activate), so cells do not depend on
their order."""

import contextvars
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.accounts import rights
from backend.audit.models import AuditEntry
from backend.auth import policy
from backend.auth.models import Device, User
from backend.auth.services import issue_device_token
from backend.extensions import db
from backend.org.models import Node
from backend.registry.models import Household, Resident
from tests.backend.auth.matrix import ACTORS, CELLS, allowed, records_of
from tests.backend.shared import empty_tables, new_device_id
from tests.factories import build_world

ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HTMX = {"HX-Request": "true"}  # a targeted htmx request: the page answers with its list fragment only
DEVICE_OWNERS = ("worker1", "staff2", "station1", "resident1")


class IsolatedClient(FlaskClient):
    """Each request in its own context, as in production: flask.g (and with it
    Flask-Login's cached user) never leaks between requests or clients."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


class Browser:
    """One signed-in role: a cookie jar and the CSRF token of its session."""

    def __init__(self, app, username):
        self.client = IsolatedClient(app, app.response_class, use_cookies=True)
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        token = self._meta_token("/sign-in")
        response = self.client.post("/sign-in", data={"username": username, "password": "demo-pass-2026",
                                                      "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        self.csrf = self._meta_token("/account/devices")

    def _meta_token(self, path):
        html = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert match, f"{path} carries no CSRF token"
        return match.group(1)

    def get(self, path, htmx=False):
        return self.client.get(path, headers=HTMX if htmx else {})

    def post(self, path, data=None):
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf})


class Pages:
    def __init__(self, app, ids, parents, leaves, devices, roles, browsers):
        self.app, self.ids, self.parents, self.leaves = app, ids, parents, leaves
        self.devices, self.roles, self.browsers = devices, roles, browsers
        self.keys = {record_id: key for key, record_id in ids.items()}

    def read(self, fn):
        """Run fn() against the database as it is now, in a context of its own."""
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()

    def is_manager(self, actor):
        return self.roles[actor] in policy.ROLES_CREATED_BY


@pytest.fixture(autouse=True)
def _clean_tables():
    """The module's world is emptied once, when the module is done (see `pages`)."""
    yield


@pytest.fixture(scope="module")
def pages(app):
    with app.app_context():
        world = build_world()
        records = {**world.nodes, **world.households, **world.residents}
        ids = {key: record.id for key, record in records.items()}
        ids |= {f"u:{name}": account.id for name, account in world.users.items()}
        devices = {}
        for name in DEVICE_OWNERS:
            _token, device = issue_device_token(world.users[name], new_device_id(), f"page-check {name}", None)
            ids[f"d:{name}"] = device.id
            devices[f"d:{name}"] = device.name
        db.session.commit()
        by_id = {node.id: key for key, node in world.nodes.items()}
        parents = {key: by_id.get(node.parent_id) for key, node in world.nodes.items()}
        held = {h.grid_id for h in world.households.values()} | {h.building_id for h in world.households.values()}
        leaves = {key for key, node in world.nodes.items() if key not in parents.values() and node.id not in held}
        usernames = {name: world.users[name].username for name in ACTORS}
        roles = {name: world.users[name].role for name in ACTORS}
        db.session.remove()
    browsers = {actor: Browser(app, usernames[actor]) for actor in ACTORS}
    yield Pages(app, ids, parents, leaves, devices, roles, browsers)
    empty_tables(app)


def _kind(record):
    if record.startswith("u:"):
        return "user"
    if record.startswith("d:"):
        return "device"
    return {"H": "household", "R": "resident"}.get(record[0], "node")


def _refused(verbs):
    """The answer to a verb the cell does not allow: 403 when the record is readable."""
    return 403 if "read" in verbs else 404


def _status(response, expected, what):
    body = response.get_data(as_text=True)
    assert response.status_code == expected, f"{what}: {response.status_code}, expected {expected}: {body[:300]}"
    return body


def _reveals(pages, actor, record_id):
    user_id = pages.ids[f"u:{actor}"]
    return pages.read(lambda: db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "reveal", AuditEntry.target_id == record_id, AuditEntry.actor_id == user_id)))


def _linked(html, prefix):
    return {match for match in re.findall(rf"{re.escape(prefix)}({ID})", html)}


# --- nodes ------------------------------------------------------------------------

def _node_state(pages, node_id):
    def state():
        node = db.session.get(Node, node_id)
        return {"name": node.name, "code": node.code or "", "address": node.address or "",
                "notes": node.notes or "", "community_kind": node.community_kind or "",
                "retired": node.retired_at is not None}
    return pages.read(state)


def check_node(pages, actor, key, verbs):
    browser, node_id = pages.browsers[actor], pages.ids[key]
    url = f"/org/{node_id}"
    may = {verb: verb in verbs for verb in ("read", "change", "retire")}

    response = browser.get(url)
    if not may["read"]:
        _status(response, 404, "node page")
    else:
        html = _status(response, 200, "node page")
        assert (f'href="{url}/edit"' in html) == may["change"], "edit link shown iff change is allowed"
        assert (f'action="{url}/retire"' in html) == may["retire"], "retire button shown iff retire is allowed"
        # The children listed are exactly the readable ones.
        html = _status(browser.get(url, htmx=True), 200, "children fragment")
        children = {pages.keys[i] for i in _linked(html, "/org/") if i != node_id}
        expected = {child for child, parent in pages.parents.items()
                    if parent == key and "read" in allowed(actor, child)}
        assert children == expected

    # change: the edit form, an edit, the move form
    _status(browser.get(f"{url}/edit"), 200 if may["change"] else _refused(verbs), "edit form")
    before = _node_state(pages, node_id)
    note = f"page check by {actor}"
    form = {field: before[field] for field in ("name", "code", "address", "community_kind")} | {"notes": note}
    response = browser.post(f"{url}/edit", form)
    after = _node_state(pages, node_id)
    if may["change"]:
        _status(response, 302, "edit")
        assert after == before | {"notes": note}
    else:
        _status(response, _refused(verbs), "edit")
        assert after == before
    move = 200 if may["change"] else _refused(verbs)
    if may["change"] and key == "D":
        move = 403  # a district has no parent to move under
    _status(browser.get(f"{url}/move"), move, "move form")

    # retire (then restore at once)
    response = browser.post(f"{url}/retire")
    if not may["retire"]:
        _status(response, _refused(verbs), "retire")
        assert not _node_state(pages, node_id)["retired"]
        _status(browser.post(f"{url}/restore"), _refused(verbs), "restore")
    elif key in pages.leaves:
        _status(response, 302, "retire")
        assert _node_state(pages, node_id)["retired"]
        _status(browser.post(f"{url}/restore"), 302, "restore")
        assert not _node_state(pages, node_id)["retired"]
    else:  # allowed, but something lives under it: the rule answers, not the scope
        assert "Move or retire what is under it first" in _status(response, 422, "retire")
        assert not _node_state(pages, node_id)["retired"]


# --- households ---------------------------------------------------------------------

def _household_state(pages, household_id):
    def state():
        home = db.session.get(Household, household_id)
        return {"address": home.address, "head_name": home.head_name, "notes": home.notes or "",
                "care_tags": sorted(t.code for t in home.care_tags), "retired": home.retired_at is not None,
                "residents": len(home.residents)}
    return pages.read(state)


def check_household(pages, actor, key, verbs):
    browser, household_id = pages.browsers[actor], pages.ids[key]
    url = f"/registry/households/{household_id}"
    may = {verb: verb in verbs for verb in ("read", "change", "retire", "reveal")}

    response = browser.get(url)
    if not may["read"]:
        _status(response, 404, "household page")
    else:
        html = _status(response, 200, "household page")
        assert (f'href="{url}/edit"' in html) == may["change"], "edit link shown iff change is allowed"
        assert (f'action="{url}/retire"' in html) == may["retire"], "retire form shown iff retire is allowed"
        if key == "H1":  # the one household with a phone number
            assert (f'action="{url}/reveal"' in html) == may["reveal"], "show button iff reveal is allowed"
            assert "13800000001" not in html
        if pages.roles[actor] == "resident":  # a resident reads the people of their household here
            people = html.split('id="residents"', 1)[1]
            assert "张伟" in people and "张秀英" in people

    # change: the forms, an edit, a resident added (invalid, so nothing is created)
    refused = _refused(verbs)
    _status(browser.get(f"{url}/edit"), 200 if may["change"] else refused, "edit form")
    _status(browser.get(f"{url}/move"), 200 if may["change"] else refused, "move form")
    before = _household_state(pages, household_id)
    note = f"page check by {actor}"
    response = browser.post(f"{url}/edit", {"address": before["address"], "head_name": before["head_name"],
                                            "notes": note, "phone": "", "care_tags": before["care_tags"]})
    after = _household_state(pages, household_id)
    if may["change"]:
        _status(response, 303, "edit")
        assert after == before | {"notes": note}
    else:
        _status(response, refused, "edit")
        assert after == before
    response = browser.post(f"{url}/residents", {"name": "", "care_tags": []})
    if may["change"]:
        assert "Required." in _status(response, 422, "add resident")
    else:
        _status(response, refused, "add resident")
    assert _household_state(pages, household_id)["residents"] == before["residents"]

    # retire, then restore
    response = browser.post(f"{url}/retire", {"reason": "Moved away"})
    if may["retire"]:
        _status(response, 303, "retire")
        assert _household_state(pages, household_id)["retired"]
        _status(browser.post(f"{url}/restore"), 303, "restore")
    else:
        _status(response, refused, "retire")
        _status(browser.post(f"{url}/restore"), refused, "restore")
    assert not _household_state(pages, household_id)["retired"]

    # reveal the phone number: the clear value and an audit entry, only when allowed
    seen = _reveals(pages, actor, household_id)
    response = browser.post(f"{url}/reveal")
    if may["reveal"]:
        html = _status(response, 200, "reveal")
        assert ("13800000001" in html) == (key == "H1")
        assert _reveals(pages, actor, household_id) == seen + 1
    else:
        assert "13800000001" not in _status(response, refused, "reveal")
        assert _reveals(pages, actor, household_id) == seen


# --- residents ----------------------------------------------------------------------

def _resident_state(pages, resident_id):
    def state():
        person = db.session.get(Resident, resident_id)
        return {"name": person.name, "gender": person.gender or "", "relation": person.relation or "",
                "birth_date": person.birth_date.isoformat() if person.birth_date else "",
                "notes": person.notes or "", "care_tags": sorted(t.code for t in person.care_tags),
                "retired": person.retired_at is not None}
    return pages.read(state)


def _unretire(pages, resident_id):
    """There is no page to restore a resident: undo the retirement in the database."""
    def undo():
        person = db.session.get(Resident, resident_id)
        person.retired_at, person.retire_reason = None, None
        home = person.household
        home.member_count = sum(1 for r in home.residents if r.retired_at is None)
        db.session.commit()
    pages.read(undo)


def check_resident(pages, actor, key, verbs):
    browser, resident_id = pages.browsers[actor], pages.ids[key]
    url = f"/registry/residents/{resident_id}"
    may = {verb: verb in verbs for verb in ("read", "change", "retire", "reveal")}
    refused = _refused(verbs)
    if pages.roles[actor] == "resident":
        # No resident pages for residents: they read their household's people on
        # the household page (checked in check_household); here all is 404.
        may = dict.fromkeys(may, False)
        refused = 404

    response = browser.get(url)
    if not may["read"]:
        _status(response, 404, "resident page")
    else:
        html = _status(response, 200, "resident page")
        assert (f'href="{url}/edit"' in html) == may["change"], "edit link shown iff change is allowed"
        assert (f'action="{url}/retire"' in html) == may["retire"], "retire form shown iff retire is allowed"
        if key == "R1":  # the one resident with an ID card number
            assert (f'action="{url}/reveal/id_number"' in html) == may["reveal"], "show button iff reveal is allowed"
            assert "11010119400101123X" not in html

    _status(browser.get(f"{url}/edit"), 200 if may["change"] else refused, "edit form")
    _status(browser.get(f"{url}/move"), 200 if may["change"] else refused, "move form")
    before = _resident_state(pages, resident_id)
    note = f"page check by {actor}"
    form = {field: before[field] for field in ("name", "gender", "relation", "birth_date", "care_tags")}
    response = browser.post(f"{url}/edit", form | {"notes": note, "id_number": "", "phone": ""})
    after = _resident_state(pages, resident_id)
    if may["change"]:
        _status(response, 303, "edit")
        assert after == before | {"notes": note}
    else:
        _status(response, refused, "edit")
        assert after == before

    response = browser.post(f"{url}/retire", {"reason": "Moved away"})
    if may["retire"]:
        _status(response, 303, "retire")
        assert _resident_state(pages, resident_id)["retired"]
        _unretire(pages, resident_id)
    else:
        _status(response, refused, "retire")
        assert not _resident_state(pages, resident_id)["retired"]

    seen = _reveals(pages, actor, resident_id)
    response = browser.post(f"{url}/reveal/id_number")
    if may["reveal"]:
        html = _status(response, 200, "reveal")
        assert ("11010119400101123X" in html) == (key == "R1")
        assert _reveals(pages, actor, resident_id) == seen + 1
    else:
        assert "11010119400101123X" not in _status(response, refused, "reveal")
        assert _reveals(pages, actor, resident_id) == seen


# --- accounts -------------------------------------------------------------------------

def _user_state(pages, user_id):
    def state():
        account = db.session.get(User, user_id)
        return {"active": account.is_active_flag, "password_hash": account.password_hash,
                "epoch": account.session_epoch, "scopes": sorted(n.id for n in account.scope_nodes),
                "live_devices": sorted(db.session.scalars(select(Device.id).where(
                    Device.user_id == user_id, Device.revoked_at.is_(None))))}
    return pages.read(state)


def _undo_deactivation(pages, user_id, before):
    """Activating again does not bring back the sessions and devices that
    deactivation ended: put them back so the account's own cells still run."""
    def undo():
        account = db.session.get(User, user_id)
        account.session_epoch = before["epoch"]
        for device in db.session.scalars(select(Device).where(Device.id.in_(before["live_devices"]))):
            device.revoked_at, device.revoked_by_id = None, None
        db.session.commit()
    pages.read(undo)


def check_user(pages, actor, key, verbs):
    browser, user_id = pages.browsers[actor], pages.ids[key]
    url = f"/accounts/{user_id}"
    before = _user_state(pages, user_id)

    if not pages.is_manager(actor):
        # The accounts area is for managers; one's own account is /account/devices.
        for response in (browser.get(url), browser.post(f"{url}/active", {"active": "0"}),
                         browser.post(f"{url}/scopes", {"scope_ids": before["scopes"]})):
            _status(response, 403, "accounts area")
        if key == f"u:{actor}":
            assert "read" in verbs
            _status(browser.get("/account/devices"), 200, "own account page")
        assert _user_state(pages, user_id) == before
        return

    may_read, may_manage = "read" in verbs, "manage" in verbs
    # A reset also needs the account within the actor's rights (backend/accounts/rights.py).
    target_role = pages.read(lambda: db.session.get(User, user_id).role)
    may_reset = may_manage and rights.within_rights(pages.roles[actor], target_role)
    refused = _refused(verbs)
    response = browser.get(url)
    if not may_read:
        _status(response, 404, "account page")
    else:
        html = _status(response, 200, "account page")
        assert (f'action="{url}/active"' in html) == may_manage, "deactivate button iff manage is allowed"
        assert (f'action="{url}/password"' in html) == may_reset, "reset form iff a reset is allowed"

    # a password reset (which would change the account: tested with the accounts pages) is refused
    # by scope, or by rights
    if not may_reset:
        response = browser.post(f"{url}/password", {})
        _status(response, refused if not may_manage else 403, "password")
    # the same places again
    response = browser.post(f"{url}/scopes", {"scope_ids": before["scopes"]})
    _status(response, 302 if may_manage else refused, "scopes")
    assert _user_state(pages, user_id) == before

    # deactivate, then activate again
    response = browser.post(f"{url}/active", {"active": "0"})
    if may_manage:
        _status(response, 302, "deactivate")
        gone = _user_state(pages, user_id)
        assert not gone["active"] and gone["live_devices"] == [] and gone["epoch"] == before["epoch"] + 1
        _status(browser.post(f"{url}/active", {"active": "1"}), 302, "activate")
        assert _user_state(pages, user_id)["active"]
        _undo_deactivation(pages, user_id, before)
    else:
        _status(response, refused, "deactivate")
    assert _user_state(pages, user_id) == before


# --- devices -----------------------------------------------------------------------------

def _revoked(pages, device_id):
    return pages.read(lambda: db.session.get(Device, device_id).revoked_at is not None)


def check_device(pages, actor, key, verbs):
    browser, device_id, name = pages.browsers[actor], pages.ids[key], pages.devices[key]
    owner = key[2:]
    if owner == actor:
        shown = name in _status(browser.get("/account/devices"), 200, "own devices")
    elif pages.is_manager(actor):
        response = browser.get(f"/accounts/{pages.ids[f'u:{owner}']}")
        shown = response.status_code == 200 and name in response.get_data(as_text=True)
    else:
        _status(browser.get(f"/accounts/{pages.ids[f'u:{owner}']}"), 403, "accounts area")
        shown = name in _status(browser.get("/account/devices"), 200, "own devices")
    assert shown == ("read" in verbs), "the device is listed iff it may be read"

    response = browser.post(f"/devices/{device_id}/revoke")
    if "manage" in verbs:
        _status(response, 200, "revoke")
        assert _revoked(pages, device_id)

        def undo():
            device = db.session.get(Device, device_id)
            device.revoked_at, device.revoked_by_id = None, None
            db.session.commit()
        pages.read(undo)
    else:
        _status(response, 404, "revoke")
        assert not _revoked(pages, device_id)


CHECKS = {"node": check_node, "household": check_household, "resident": check_resident,
          "user": check_user, "device": check_device}


@pytest.mark.parametrize(("actor", "record"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_scope_matrix_through_the_pages(pages, actor, record):
    CHECKS[_kind(record)](pages, actor, record, allowed(actor, record))


# --- lists -----------------------------------------------------------------------------

def _readable(actor, kind):
    return {key for key in records_of(kind) if "read" in allowed(actor, key)}


@pytest.mark.parametrize("actor", ACTORS)
def test_lists_show_exactly_the_readable_records(pages, actor):
    browser, keys = pages.browsers[actor], pages.keys

    found = set()
    for kind in ("district", "street", "community", "grid", "building", "station"):
        html = _status(browser.get(f"/org/?kind={kind}", htmx=True), 200, f"org search {kind}")
        found |= {keys[i] for i in _linked(html, "/org/")}
    assert found == _readable(actor, "node"), "org search"

    staff = pages.roles[actor] not in ("resident", "volunteer")
    response = browser.get("/registry/households", htmx=True)
    if staff:
        html = _status(response, 200, "households list")
        assert {keys[i] for i in _linked(html, "/registry/households/")} == _readable(actor, "household")
    else:  # no registry lists for residents and volunteers
        _status(response, 404, "households list")

    response = browser.get("/registry/residents", htmx=True)
    if staff:
        html = _status(response, 200, "residents list")
        listed = {keys[i] for i in _linked(html, "/registry/residents/")}
        assert listed - {"R1b"} == _readable(actor, "resident")
        assert ("R1b" in listed) == ("R1" in listed), "R1b lives with R1"
    else:
        _status(response, 404, "residents list")

    response = browser.get("/accounts/", htmx=True)
    if pages.is_manager(actor):
        html = _status(response, 200, "accounts list")
        assert {keys[i] for i in _linked(html, "/accounts/")} == _readable(actor, "user")
    else:
        _status(response, 403, "accounts list")


def test_every_kind_of_record_has_a_page_check():
    assert {_kind(record) for _actor, record in CELLS} == set(CHECKS)
    assert {actor for actor, _record in CELLS} == set(ACTORS)
