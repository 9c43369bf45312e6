"""The stored-XSS sweep: a payload is written into every free-text field of
every record (what residents, workers, staff, Open311 clients and sign-in forms
can type), and then every page, every htmx fragment, the JSON API and Open311's
JSON and XML are read by each role: markup never comes back unescaped, and a
link never carries a `javascript:` address. The field app's own rendering is
swept in tests/e2e/test_xss_field_app.py.

Every text column of every model is classified here, free text or not; a new
column fails `test_every_text_column_is_classified` until it is, so a new area
is swept from its first field."""

import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update

from backend.auth.models import Device, User
from backend.extensions import db
from backend.sharing import exchanges, moderation
from tests.factories import (
    AttachmentRefFactory,
    AuditEntryFactory,
    BannedWordFactory,
    CalendarDayFactory,
    ConflictFactory,
    ConsentFactory,
    DepartmentFactory,
    DeviceFactory,
    DonationFactory,
    Open311KeyFactory,
    Open311SubmissionFactory,
    PatrolReportFactory,
    PostFactory,
    PostReportFactory,
    PostResponseFactory,
    RatingFactory,
    RedemptionFactory,
    RegistrationAttemptFactory,
    ReplyTemplateFactory,
    RequestFactory,
    RewardFactory,
    ShareCategoryFactory,
    SignInAttemptFactory,
    UserFactory,
    VisitFactory,
    VisitTaskFactory,
    VolunteerHoursFactory,
    build_world,
    empty_database,
)
from tests.security.sweep import browser, path_of, rules

pytestmark = pytest.mark.shared_database

LONG = "<script>xss()</script>\"'><x-xss a=1>"
SHORT = "\"'><x-xss>"
UNESCAPED = re.compile(r"<x-xss|<script>xss")
JAVASCRIPT_LINK = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)

# Text that people type (or that arrives from outside, like an Open311 client's
# fields or a sign-in form's username): each gets the payload.
FREE_TEXT = {
    "households": {"address", "head_name", "notes", "retire_reason"},
    "residents": {"name", "relation", "notes", "retire_reason"},
    "nodes": {"name", "code", "address", "notes"},
    "users": {"display_name", "claimed_address"},
    "devices": {"name", "last_address"},
    "requests": {"description", "address", "requester_name"},
    "request_events": {"message", "actor_name"},
    "request_categories": {"name", "description"},
    "ratings": {"comment"},
    "visits": {"notes"},
    "visit_tasks": {"reason"},
    "patrol_reports": {"description"},
    "departments": {"name", "contact"},
    "request_reply_templates": {"title", "body"},
    "calendar_days": {"name"},
    "care_tags": {"name_zh_hans", "name_zh_hant", "name_en"},
    "open311_keys": {"name"},
    "open311_submissions": {"account_id", "address_id"},
    "sign_in_attempts": {"username", "address"},
    "registration_attempts": {"address"},
    "audit_entries": {"address"},
    "attachment_refs": {"note"},
    "consents": {"given_by", "detail", "withdraw_reason"},
    "share_categories": {"name"},
    "share_posts": {"author_name", "consent_given_by", "title", "body", "availability", "hidden_reason"},
    "share_responses": {"responder_name", "message", "author_comment", "responder_comment"},
    "share_reports": {"reason", "note"},
    "share_banned_words": {"word"},
    "points_transactions": {"memo"},
    "points_entries": {"memo"},
    "points_rewards": {"title", "description"},
    "points_redemptions": {"reason"},
    "points_donations": {"message"},
    "points_hours": {"activity"},
    "rooms": {"name", "rules"},
    "bookings": {"purpose", "reason"},
    "activities": {"title", "description", "address", "room_id", "cancel_reason"},
    "activity_signups": {"name", "volunteer_role", "notice", "comment"},
    "activity_checkins": {"name", "who"},  # who: "name:<a walk-in's name>"
}
# A link from outside: a `javascript:` address must never become a link.
LINKS = {"open311_submissions": {"media_url"}}
# Text that is not typed freely: ids, hashes, ciphertexts, codes of a closed
# set (validated on every way in), and generated values.
NOT_FREE_TEXT = {
    "users": {"username",  # letters, digits, '.', '-', '_' (accounts services, register)
              "password_hash", "role", "status", "locale", "phone",  # phone: digits, validated
              "phone_enc", "claimed_address_enc"},  # ciphertexts: the values are swept as users.claimed_address
    "residents": {"gender", "id_number_enc", "id_number_hash", "phone_enc"},
    "households": {"phone_enc"},
    "nodes": {"kind", "path", "community_kind", "invite_code"},
    "requests": {"category", "status", "level", "channel", "overdue_stage", "requester_phone_enc"},
    "request_events": {"kind"},
    "request_categories": {"code"},
    "ratings": {"target_type"},
    "visit_tasks": {"status"},
    "patrol_reports": {"category"},
    "calendar_days": {"kind"},
    "care_tags": {"code"},
    "open311_keys": {"key_hash"},
    "open311_submissions": {"token"},
    "sync_tombstones": {"collection", "reason"},
    "sync_conflicts": {"collection", "rule", "status"},
    "attachments": {"sha256", "content_type"},
    "attachment_refs": {"sha256", "collection"},
    "audit_entries": {"action", "target_type"},
    "sync_mutations": {"payload_hash"},
    "registration_attempts": {"code_hash"},
    "consents": {"purpose", "basis"},
    "devices": {"token_hash"},
    "share_posts": {"kind", "reach", "status"},
    "share_responses": {"status", "promise_key"},  # promise_key: a post's id
    "share_reports": {"status"},
    "points_accounts": {"code", "kind", "head_hash"},  # generated; the kind from a closed set
    "points_transactions": {"kind", "reference"},  # a closed set; references are built by the services
    "points_entries": {"kind", "reference", "prev_hash", "hash"},
    "points_redemptions": {"status"},
    "points_donations": {"to_kind"},
    "bookings": {"status", "kind", "reference"},  # closed sets; references are built by other areas' services
    "activities": {"status"},
    "activity_signups": {"role", "status", "code"},  # closed sets; the code is generated
    "activity_checkins": {"kind"},
}
# One account of each kind of reach: everything, above a community, a community, a grid, a household.
DATA_TYPES = ("application/json", "application/problem+json", "text/csv", "application/javascript",
              "text/javascript", "application/manifest+json")
ROLES = ("admin", "street1", "staff1", "worker1", "resident1")


def _is_reference(table, column) -> bool:
    return column.primary_key or column.foreign_keys or column.name == "id" or column.name.endswith("_id")


def text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text) and not _is_reference(table, column):
                yield table, column


def test_every_text_column_is_classified(app):
    with app.app_context():
        unclassified = [f"{table.name}.{column.name}" for table, column in text_columns()
                        if column.name not in FREE_TEXT.get(table.name, set()) | LINKS.get(table.name, set())
                        | NOT_FREE_TEXT.get(table.name, set())]
        assert unclassified == []


def payload_for(column) -> str:
    length = getattr(column.type, "length", None)
    return LONG if length is None or length >= len(LONG) else SHORT


def _one_of_everything(w):
    """A record of every kind a page or API shows, in the world's first community."""
    request = RequestFactory(household=w.H1, status="accepted")
    RatingFactory(request=RequestFactory(household=w.H1, status="resolved"), comment="好")
    ReplyTemplateFactory(community=w.C1)
    DepartmentFactory(node=w.S1)
    ConflictFactory(record=w.H1, fields={"notes": {"server": LONG, "client": LONG, "winner": "server"}})
    VisitFactory(household=w.H1, author=w.worker1)
    VisitTaskFactory(household=w.H1)
    PatrolReportFactory(grid=w.G1, author=w.worker1)
    CalendarDayFactory()
    key = Open311KeyFactory(node=w.C1, created_by=w.staff1)
    Open311SubmissionFactory(key=key, media_url="javascript:alert(1)")
    AttachmentRefFactory(record_id=request.id, collection="requests")
    SignInAttemptFactory()
    RegistrationAttemptFactory()
    ConsentFactory(resident=w.R1b, given_by="张秀英")
    ConsentFactory(household=w.H1, resident=None, purpose="proxy_request", tag_code=None, basis="verbal")
    AuditEntryFactory(actor=w.admin)
    DeviceFactory(user=w.worker1)
    UserFactory(role="resident", status="pending", community_id=w.C1.id, claimed_address="1号楼")
    post = PostFactory(author=w.resident1, kind="skill", title="书法课", capacity=3,
                       category=ShareCategoryFactory(community=w.C1).id)
    neighbour = UserFactory(role="resident", home=w.H2)
    exchange = PostResponseFactory(post=post, responder=neighbour, status="done")
    exchanges.transition(db.session, neighbour, exchange, "rate", {"score": 5, "comment": "好"})
    exchanges.transition(db.session, w.resident1, exchange, "rate", {"score": 4, "comment": "好"})
    PostReportFactory(post=post, reporter=neighbour)
    hidden = PostFactory(author=w.resident1, title="广告")
    moderation.hide(db.session, w.staff1, hidden, {"reason": "广告"})
    BannedWordFactory()
    RedemptionFactory(reward=RewardFactory(community=w.C1), user=w.resident1)
    DonationFactory(community=w.C1, user=w.resident1)
    VolunteerHoursFactory(community=w.C1, user=w.resident1)
    return request, key


@pytest.fixture(scope="module")
def poisoned(app):
    """The world with every free-text field holding markup, and the ids to fill paths with."""
    with app.app_context():
        empty_database()
        w = build_world()
        request, key = _one_of_everything(w)
        db.session.flush()
        for table in db.metadata.sorted_tables:
            for column in (c for c in table.columns if c.name in FREE_TEXT.get(table.name, ())):
                db.session.execute(update(table).values({column.name: payload_for(column)}))
            for column in (c for c in table.columns if c.name in LINKS.get(table.name, ())):
                db.session.execute(update(table).values({column.name: "javascript:alert(1)"}))
        for account in db.session.scalars(select(User)):
            account.claimed_address = LONG  # sealed: written through the model, shown masked or revealed
        db.session.commit()
        device = db.session.scalar(select(Device).where(Device.user_id == w.worker1.id))
        pending = db.session.scalar(select(User.id).where(User.status == "pending"))
        values = {"household_id": w.H1.id, "resident_id": w.R1.id, "node_id": w.C1.id,
                  "user_id": pending, "request_id": request.id, "device_id": device.id,
                  "service_request_id": request.id, "service_code": "environment", "fmt": "json",
                  "api_key": key.plain, **_sharing_ids()}
        yield w, values
        empty_database()


def _sharing_ids() -> dict:
    from backend.sharing.models import BannedWord, Post, PostReport, PostResponse, ShareCategory

    return {"post_id": db.session.scalar(select(Post.id).where(Post.kind == "skill")),
            "response_id": db.session.scalar(select(PostResponse.id)),
            "report_id": db.session.scalar(select(PostReport.id)),
            "category_id": db.session.scalar(select(ShareCategory.id)),
            "word_id": db.session.scalar(select(BannedWord.id))}


def get_pages(app):
    return [rule for rule in rules(app, machine=False)
            if "GET" in rule.methods and rule.rule not in ("/sw.js", "/manifest.webmanifest")]


def _read(client, path):
    """The whole page, with what is stored; then htmx's fragment, with a payload in its query too."""
    query = "?q=" + SHORT + "&status=" + SHORT + "&page=" + SHORT
    for url, headers in ((path, {}), (path + query, {"HX-Request": "true"})):
        response = client.get(url, headers=headers)
        assert response.status_code < 500, (url, response.status_code)
        yield url, response


def test_no_page_shows_stored_or_reflected_markup(app, poisoned):
    _, values = poisoned
    with app.app_context():
        unescaped, shown = [], 0
        for role in (None, *ROLES):
            client = browser(app, role)
            for rule in get_pages(app):
                if "sha256" in rule.arguments:
                    continue  # a photo's bytes, not markup
                for path, response in _read(client, path_of(rule, values)):
                    if response.mimetype != "text/html":  # a download (JSON, CSV): data no browser renders
                        assert response.headers["X-Content-Type-Options"] == "nosniff", path
                        assert response.mimetype in DATA_TYPES, (path, response.mimetype)
                        continue
                    body = response.get_data(as_text=True)
                    shown += "&lt;x-xss" in body or "&#34;&#39;&gt;&lt;x-xss" in body
                    if UNESCAPED.search(body) or JAVASCRIPT_LINK.search(body):
                        unescaped.append((role, path))
        assert unescaped == []
        assert shown > 50  # the payload did reach the pages, escaped


def test_the_json_api_answers_json_that_no_browser_sniffs_as_html(app, poisoned, auth):
    _, values = poisoned
    with app.app_context():
        headers = auth.headers("staff1")
        carried = 0
        for rule in rules(app, machine=True):
            if "GET" not in rule.methods or not rule.rule.startswith("/api/v1/") or "sha256" in rule.arguments:
                continue
            response = auth.client.get(path_of(rule, values), headers=headers)
            assert response.mimetype in ("application/json", "application/problem+json"), rule.rule
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            carried += "<x-xss" in response.get_data(as_text=True)
        assert carried >= 3  # the payload is data there, JSON-encoded, never a page


def test_open311_xml_escapes_every_field_and_json_stays_json(app, poisoned, client):
    _, values = poisoned
    with app.app_context():
        for path in ("/open311/v2/requests.xml", f"/open311/v2/requests/{values['request_id']}.xml",
                     "/open311/v2/services.xml", "/open311/v2/services/environment.xml"):
            response = client.get(path, query_string={"api_key": values["api_key"]})
            assert response.status_code == 200, path
            root = ET.fromstring(response.data)  # markup in a field would break the document or add elements
            assert not [el for el in root.iter() if "xss" in el.tag or el.tag == "script"], path
        key = {"api_key": values["api_key"]}
        listing = ET.fromstring(client.get("/open311/v2/requests.xml", query_string=key).data)
        assert any(LONG in (el.text or "") for el in listing.iter())  # the payload is there, as text
        response = client.get("/open311/v2/requests.json", query_string=key)
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
