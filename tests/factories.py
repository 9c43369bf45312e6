"""Test data built through the real models: a factory_boy factory per model (flushed
with the app's session), and the World every test starts from, built with them. One
shared password hash, so building a world costs one Argon2 hash, not one per account.
Records with a state machine (requests, their events, ratings) are made through their
services, which write the events and stamps a factory would skip."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from backend.activities import checkins as activity_checkins
from backend.activities import menu as activity_menu
from backend.activities import signups as activity_signups
from backend.activities.models import Activity, Checkin, Signup
from backend.audit.models import AuditEntry, RevealAlert
from backend.auth.models import Device, RegistrationAttempt, SignInAttempt, User
from backend.auth.passwords import hash_password
from backend.common import new_id, utcnow
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
from backend.fieldwork.visits.models import Visit, VisitRule, VisitTask
from backend.open311 import keys as open311_keys
from backend.open311.models import Open311Key, Open311Submission
from backend.org.models import Node
from backend.points import donations as points_donations
from backend.points import earning as points_earning
from backend.points import ledger as points_ledger
from backend.points import rewards as points_rewards
from backend.points import rules as points_rules
from backend.points import services as points_services
from backend.points.models import (
    Donation,
    EarningRule,
    Pairing,
    PointsAccount,
    PointsEntry,
    PointsTransaction,
    Redemption,
    Reward,
    VolunteerHours,
)
from backend.ratings import services as ratings
from backend.ratings.models import Rating
from backend.registry import consent as consents
from backend.registry import sensitive
from backend.registry.models import CareTag, Consent, Household, Resident
from backend.requests import services as requests
from backend.requests.models import (
    BUILTIN_CATEGORIES,
    CatalogueEntry,
    Department,
    ReplyTemplate,
    Request,
    RequestCategory,
    RequestEvent,
    TimeLimit,
)
from backend.requests.policy import LEVEL_ROLE
from backend.rooms import services as rooms
from backend.rooms.models import Booking, BookingSlot, Room
from backend.sharing import exchanges, moderation, posts
from backend.sharing.models import BannedWord, Post, PostReport, PostResponse, ShareCategory
from backend.workdays.models import CalendarDay
from sync.models import (
    AppliedMutation,
    Attachment,
    AttachmentRef,
    AttachmentUpload,
    Conflict,
    SyncDevice,
    SyncSpace,
    Tombstone,
)

PASSWORD = "demo-pass-2026"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


class _Factory(SQLAlchemyModelFactory):
    """Rows written with the app's session and flushed (the test commits when it needs to)."""

    class Meta:
        abstract = True
        sqlalchemy_session = db.session  # scoped: the session of the test's app
        sqlalchemy_session_persistence = "flush"

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:  # care tags, scopes: flushed too
            db.session.flush()


def _care_tags(codes) -> list[CareTag]:
    return [db.session.get(CareTag, code) for code in codes or ()]


def new_grid() -> Node:
    """A grid of a new community (urban), street and district: where a record of no given place lives,
    with offices above it to escalate to."""
    district = NodeFactory(kind="district")
    street = NodeFactory(kind="street", parent=district)
    return NodeFactory(kind="grid", parent=NodeFactory(kind="community", parent=street, community_kind="urban"))


def new_community() -> Node:
    return new_grid().parent


def account_of(node: Node, role: str) -> User:
    """The first active account of `role` scoped to `node` (world.staff1 for C1, world.worker1 for G1, …),
    or a new one: whoever takes a step takes it from where they may."""
    found = db.session.scalar(select(User).join(User.scope_nodes).where(
        Node.id == node.id, User.role == role, User.status == "active").order_by(User.username).limit(1))
    return found if found is not None else UserFactory(role=role, scopes=[node])


class NodeFactory(_Factory):
    """A node of the tree under `parent` (None: a root)."""

    class Meta:
        model = Node
        exclude = ("parent",)

    parent = None
    id = factory.LazyFunction(new_id)
    kind = "grid"
    name = factory.Sequence(lambda n: f"网格{n}")
    parent_id = factory.LazyAttribute(lambda o: o.parent.id if o.parent else None)
    path = factory.LazyAttribute(lambda o: (o.parent.path if o.parent else "/") + o.id + "/")
    invite_code = factory.LazyAttribute(lambda o: new_id()[:8].upper() if o.kind == "community" else None)


class CareTagFactory(_Factory):
    class Meta:
        model = CareTag

    code = factory.Sequence(lambda n: f"tag_{n}")
    name_zh_hans = factory.Sequence(lambda n: f"标签{n}")
    name_zh_hant = factory.Sequence(lambda n: f"標籤{n}")
    name_en = factory.Sequence(lambda n: f"Tag {n}")


class HouseholdFactory(_Factory):
    """A household of `grid` (its community is the grid's parent); `tags` are care tag codes."""

    class Meta:
        model = Household
        exclude = ("grid", "building", "phone")

    grid = factory.LazyFunction(new_grid)
    building = None
    phone = None
    id = factory.LazyFunction(new_id)
    grid_id = factory.LazyAttribute(lambda o: o.grid.id)
    community_id = factory.LazyAttribute(lambda o: o.grid.parent_id)
    building_id = factory.LazyAttribute(lambda o: o.building.id if o.building else None)
    address = factory.Sequence(lambda n: f"幸福小区{n}号")
    head_name = "张伟"
    phone_enc = factory.LazyAttribute(lambda o: sensitive.encrypt(o.phone))
    member_count = 0

    @factory.post_generation
    def tags(self, create, codes, **_):
        self.care_tags = _care_tags(codes)


class ResidentFactory(_Factory):
    """A resident of `home` (counted in its member_count), with sensitive fields encrypted."""

    class Meta:
        model = Resident
        exclude = ("home", "id_number", "phone")

    home = factory.SubFactory(HouseholdFactory)
    id_number = None
    phone = None
    id = factory.LazyFunction(new_id)
    household_id = factory.LazyAttribute(lambda o: o.home.id)
    name = factory.Sequence(lambda n: f"居民{n}")
    id_number_enc = factory.LazyAttribute(lambda o: sensitive.encrypt(o.id_number))
    id_number_hash = factory.LazyAttribute(lambda o: sensitive.blind_index(o.id_number))
    phone_enc = factory.LazyAttribute(lambda o: sensitive.encrypt(o.phone))

    @factory.post_generation
    def tags(self, create, codes, **_):
        self.care_tags = _care_tags(codes)
        self.household.member_count += 1


class UserFactory(_Factory):
    """An account with the shared test password; `scopes` are nodes, `home` a household (residents)."""

    class Meta:
        model = User
        exclude = ("home", "community")

    home = None
    community = None
    id = factory.LazyFunction(new_id)
    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    password_hash = factory.LazyFunction(lambda: password_hash())
    role = "grid_worker"
    status = "active"
    household_id = factory.LazyAttribute(lambda o: o.home.id if o.home is not None else None)
    community_id = factory.LazyAttribute(lambda o: o.home.community_id if o.home is not None
                                         else o.community.id if o.community is not None else None)

    @factory.post_generation
    def scopes(self, create, nodes, **_):
        self.scope_nodes = list(nodes or ())


class DeviceFactory(_Factory):
    """A signed-in device of `user` (the token itself is not kept, only a hash of a random one)."""

    class Meta:
        model = Device

    user = factory.SubFactory(UserFactory)
    device_id = factory.LazyFunction(new_id)
    name = "测试手机"
    token_hash = factory.LazyFunction(lambda: new_id().replace("-", "") * 2)
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))


class DepartmentFactory(_Factory):
    """A department (职能部门) of a node: a street's or a district's office."""

    class Meta:
        model = Department
        exclude = ("node",)

    node = factory.LazyFunction(lambda: new_grid().parent.parent)  # a street's
    node_id = factory.LazyAttribute(lambda o: o.node.id)
    name = factory.Sequence(lambda n: f"部门{n}")
    contact = ""


class _FieldRecordFactory(_Factory):
    """A record of a household's grid: the grid and community follow the household."""

    class Meta:
        abstract = True

    id = factory.LazyFunction(new_id)
    household_id = factory.LazyAttribute(lambda o: o.household.id)
    grid_id = factory.LazyAttribute(lambda o: o.household.grid_id)
    community_id = factory.LazyAttribute(lambda o: o.household.community_id)


class VisitTaskFactory(_FieldRecordFactory):
    class Meta:
        model = VisitTask
        exclude = ("household",)

    household = factory.SubFactory(HouseholdFactory)
    due_date = factory.LazyFunction(lambda: utcnow().date())


class VisitFactory(_FieldRecordFactory):
    class Meta:
        model = Visit
        exclude = ("household", "author")

    household = factory.SubFactory(HouseholdFactory)
    author = factory.LazyAttribute(lambda o: account_of(o.household.grid, "grid_worker"))
    author_id = factory.LazyAttribute(lambda o: o.author.id)
    visited_at = factory.LazyFunction(utcnow)


class PatrolReportFactory(_Factory):
    class Meta:
        model = PatrolReport
        exclude = ("grid", "author")

    grid = factory.LazyFunction(new_grid)
    author = factory.LazyAttribute(lambda o: account_of(o.grid, "grid_worker"))
    id = factory.LazyFunction(new_id)
    grid_id = factory.LazyAttribute(lambda o: o.grid.id)
    community_id = factory.LazyAttribute(lambda o: o.grid.parent_id)
    author_id = factory.LazyAttribute(lambda o: o.author.id)
    category = "environment"
    reported_at = factory.LazyFunction(utcnow)


class SignInAttemptFactory(_Factory):
    """A failed sign-in (backend/auth keeps them to slow guessing down)."""

    class Meta:
        model = SignInAttempt

    username = factory.Sequence(lambda n: f"user{n}")
    address = "127.0.0.1"
    at = factory.LazyFunction(utcnow)


class RegistrationAttemptFactory(_Factory):
    """A posted self-registration (backend/auth counts them per address and per invitation code)."""

    class Meta:
        model = RegistrationAttempt

    address = "127.0.0.1"
    code_hash = factory.Sequence(lambda n: f"{n:064x}")
    at = factory.LazyFunction(utcnow)


class AuditEntryFactory(_Factory):
    """A line of the audit log: by default an administrator revealing a resident's sensitive field."""

    class Meta:
        model = AuditEntry

    actor = factory.SubFactory(UserFactory, role="admin")
    action = "reveal"
    target_type = "resident"
    target_id = factory.LazyFunction(new_id)
    detail = factory.LazyFunction(dict)
    at = factory.LazyFunction(utcnow)


class RevealAlertFactory(_Factory):
    """An alert on unusual reveals: an account that reached the day's threshold (recorded by
    backend/audit/alerts.py when the reveals are audited; built directly for the pages' tests)."""

    class Meta:
        model = RevealAlert

    user = factory.SubFactory(UserFactory, role="grid_worker")
    day = factory.LazyFunction(lambda: utcnow().date())
    count = 20
    threshold = 20
    at = factory.LazyFunction(utcnow)


class CalendarDayFactory(_Factory):
    """A day the working calendar marks: a holiday (or, kind="workday", a weekend day worked)."""

    class Meta:
        model = CalendarDay

    day = factory.Sequence(lambda n: utcnow().date() + timedelta(days=n + 1))
    kind = "holiday"
    name = "节假日"


class VisitRuleFactory(_Factory):
    """How often `community` visits households with care tag `tag_code` (a built-in tag by default)."""

    class Meta:
        model = VisitRule
        exclude = ("community",)

    community = factory.LazyFunction(new_community)
    community_id = factory.LazyAttribute(lambda o: o.community.id)
    tag_code = "dibao"
    interval_days = 14


# --- requests: settings plain, the records themselves through the services ------------------------

class RequestCategoryFactory(_Factory):
    """A category staff added beside the built-in ones (empty_database removes it again)."""

    class Meta:
        model = RequestCategory

    code = factory.Sequence(lambda n: f"category_{n}")
    name = factory.Sequence(lambda n: f"类别{n}")
    sort_order = 100


class TimeLimitFactory(_Factory):
    """A community's own time limits for a category."""

    class Meta:
        model = TimeLimit
        exclude = ("community",)

    community = factory.LazyFunction(new_community)
    community_id = factory.LazyAttribute(lambda o: o.community.id)
    category_code = "environment"
    accept_hours = 4
    resolve_days = 5


class CatalogueEntryFactory(_Factory):
    """A line of a community's dispatch catalogue: `category_code` goes to a department serving it."""

    class Meta:
        model = CatalogueEntry
        exclude = ("community", "department")

    community = factory.LazyFunction(new_community)
    department = factory.LazyAttribute(lambda o: DepartmentFactory(node=o.community))
    community_id = factory.LazyAttribute(lambda o: o.community.id)
    category_code = "environment"
    department_id = factory.LazyAttribute(lambda o: o.department.id)


class ReplyTemplateFactory(_Factory):
    """A ready answer of a community's staff."""

    class Meta:
        model = ReplyTemplate
        exclude = ("community",)

    community = factory.LazyFunction(new_community)
    community_id = factory.LazyAttribute(lambda o: o.community.id)
    title = factory.Sequence(lambda n: f"模板{n}")
    body = "您好，您的诉求已受理。"


# The steps taking a new request to each state at community level, and from `escalated` once it is
# at the level asked for (street or district). Every step goes through requests.transition.
_PATHS = {
    "submitted": (), "accepted": ("accept",), "dispatched": ("accept", "dispatch"),
    "in_progress": ("accept", "dispatch", "start"), "returned": ("accept", "dispatch", "return"),
    "resolved": ("accept", "resolve"),
    "closed": ("accept", "resolve", "rate"), "reopened": ("accept", "resolve", "reopen"),
    "withdrawn": ("withdraw",), "merged": ("merge",),
}
_PATHS_ABOVE = {
    "escalated": (), "in_progress": ("respond",), "dispatched": ("respond", "dispatch"),
    "returned": ("respond", "dispatch", "return"), "resolved": ("respond", "resolve"),
    "closed": ("respond", "resolve", "rate"), "reopened": ("respond", "resolve", "reopen"), "merged": ("merge",),
}
_MESSAGES = {"return": "不归我们管", "escalate": "需要上级协调", "respond": "已安排处理", "resolve": "已处理",
             "reopen": "问题又出现了"}


def request_steps(status: str, level: str | None = None, dispatched: bool = False) -> tuple[str, ...]:
    """The actions that take a new request to `status` held at `level` (default: the community's, the
    street's for an escalated one), `dispatched` on the way if it is resolved (so it keeps its assignee);
    ValueError for a place the state machine never leads to (an escalated request the community holds,
    a submitted one at the street, a withdrawn one of the district)."""
    level = level or ("street" if status == "escalated" else "community")
    if level == "community":
        if status not in _PATHS:
            raise ValueError(f"no request is {status} at community level")
        steps = _PATHS[status]
    else:
        climb = {"street": ("accept", "escalate"), "district": ("accept", "escalate", "escalate")}[level]
        if status not in _PATHS_ABOVE:
            raise ValueError(f"no request is {status} at {level} level")
        steps = climb + _PATHS_ABOVE[status]
    if dispatched and "resolve" in steps and "dispatch" not in steps:
        at = steps.index("resolve")
        steps = (*steps[:at], "dispatch", *steps[at:])
    return steps


def holder_of(request: Request) -> User:
    """Staff of the node holding the request at its level."""
    return account_of(request.holder, LEVEL_ROLE[request.level])


def requester_side(request: Request) -> User:
    """The resident who may rate, reopen or withdraw the request: its raiser, or one of its household."""
    raiser = db.session.get(User, request.requester_id) if request.requester_id else None
    if raiser is not None and raiser.role == "resident":
        return raiser
    if request.household_id is None:
        raise ValueError("a request of no household has no resident to rate it")
    return _resident_of(db.session.get(Household, request.household_id))


def _resident_of(household: Household) -> User:
    found = db.session.scalar(select(User).where(User.role == "resident", User.status == "active",
                                                 User.household_id == household.id)
                              .order_by(User.username).limit(1))
    return found if found is not None else UserFactory(role="resident", home=household)


class RequestFactory(factory.Factory):
    """A request raised through requests.create_request and taken to `status`, held at `level`, by the
    state machine's own steps (request_steps), each taken by whoever may: the holder's staff, the
    assignee, the resident. Never a state the machine cannot reach; its events and stamps are real.
    An escalated request is the street's unless `level` says "district".

    raiser: who raises it (default: a resident of `household`, made if there is none); staff raise
    it on the household's behalf. household: default a household of a new grid (new_grid). Other
    keywords go to create_request (household_id=None, grid_id=…: a request of a grid). Dispatched to
    `assignee` (default the grid's worker) or `department` (default, above the community, one of the
    holder's), also on the way to resolved when one is named; closed by the requester's rating
    `score`; merged into `duplicate_of` (default another new request of the household). Every step
    is taken at `at` (default: now, on the test clock)."""

    class Meta:
        model = Request

    raiser = None
    household = None
    status = "submitted"
    level = None
    assignee = None
    department = None
    score = 5
    duplicate_of = None
    at = None
    category = "environment"
    description = factory.Sequence(lambda n: f"楼道灯坏了（{n}）")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("a request is raised through the services: RequestFactory(), not .build()")

    @classmethod
    def _create(cls, model_class, *, raiser, household, status, level, assignee, department, score,
                duplicate_of, at, **data):
        steps = request_steps(status, level, dispatched=assignee is not None or department is not None)
        if raiser is None:
            household = household or HouseholdFactory()
            raiser = _resident_of(household)
        if raiser.role != "resident":
            if "household_id" not in data:
                data["household_id"] = (household or HouseholdFactory()).id
            data = {"on_behalf": True, "consent": True} | data
        request = requests.create_request(db.session, raiser, data, now=at)
        for action in steps:
            take_step(request, action, at=at, assignee=assignee, department=department, score=score,
                      duplicate_of=duplicate_of, raiser=raiser, data=data)
        return request


def take_step(request, action, *, at=None, assignee=None, department=None, score=5, duplicate_of=None,
              raiser=None, data=None):
    """One step of the state machine, by whoever may take it (RequestFactory's steps)."""
    s = db.session
    if action == "rate":
        ratings.rate(s, requester_side(request), "request", request.id, score, now=at)
        return
    payload = {"message": _MESSAGES[action]} if action in _MESSAGES else {}
    actor = holder_of(request)
    if action == "dispatch":
        if department is None and (assignee is not None or request.level == "community"):
            payload["assignee_id"] = (assignee or account_of(request.grid, "grid_worker")).id
        else:
            payload["department_id"] = (department or DepartmentFactory(node=request.holder)).id
    elif action in ("start", "return") and request.assignee_id is not None:
        actor = s.get(User, request.assignee_id)
    elif action == "reopen" and request.household_id is not None:
        actor = requester_side(request)
    elif action == "withdraw":
        actor = raiser
    elif action == "merge":
        target = duplicate_of or RequestFactory(raiser=raiser, at=at, **(data or {}))
        payload["duplicate_of_id"] = target.id
    requests.transition(s, actor, request, action, payload, now=at)


class RequestEventFactory(factory.Factory):
    """A step of a request taken through the services: by default its holder's internal note."""

    class Meta:
        model = RequestEvent

    request = factory.SubFactory(RequestFactory, status="accepted")
    action = "note"
    message = factory.Sequence(lambda n: f"已电话联系居民（{n}）")
    actor = None
    at = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("an event is appended by the services: RequestEventFactory(), not .build()")

    @classmethod
    def _create(cls, model_class, *, request, action, message, actor, at):
        return requests.transition(db.session, actor or holder_of(request), request, action,
                                   {"message": message}, now=at)


class RatingFactory(factory.Factory):
    """The requester's rating of a resolved request, through ratings.rate (which closes the request)."""

    class Meta:
        model = Rating

    request = factory.SubFactory(RequestFactory, status="resolved")
    rater = None
    score = 4
    comment = ""
    at = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("a rating is given through the services: RatingFactory(), not .build()")

    @classmethod
    def _create(cls, model_class, *, request, rater, score, comment, at):
        return ratings.rate(db.session, rater or requester_side(request), "request", request.id, score, comment,
                            now=at)


class ConsentFactory(factory.Factory):
    """A consent record written through backend.registry.consent.record: by default a resident's
    written consent to the sensitive tag `tag_code` (the tag itself is not set: the services set
    tags), recorded by a keeper of the resident's grid."""

    class Meta:
        model = Consent

    household = None
    resident = factory.LazyAttribute(lambda o: None if o.household is not None else ResidentFactory())
    recorder = None
    purpose = "care_tag"
    tag_code = "community_correction"
    request_id = None
    basis = "written"
    given_by = ""
    detail = ""
    at = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("a consent is recorded through the services: ConsentFactory(), not .build()")

    @classmethod
    def _create(cls, model_class, *, resident, household, recorder, at, **data):
        home = household or resident.household
        recorder = recorder or account_of(home.grid, "grid_worker")
        return consents.record(recorder, resident=resident, household=home, now=at, **data)


# --- Open311 ---------------------------------------------------------------------------------------

class ShareCategoryFactory(_Factory):
    """A line of a community's sharing catalogue (default: of a new community)."""

    class Meta:
        model = ShareCategory
        exclude = ("community",)

    community = factory.LazyFunction(new_community)
    id = factory.LazyFunction(new_id)
    community_id = factory.LazyAttribute(lambda o: o.community.id)
    name = factory.Sequence(lambda n: f"工具{n}")
    sort_order = 0


class BannedWordFactory(_Factory):
    class Meta:
        model = BannedWord

    word = factory.Sequence(lambda n: f"违禁{n}")


# The steps that take an exchange from an answer to each state, with the side taking each.
EXCHANGE_STEPS = {
    "pending": (), "accepted": ("accept",), "declined": ("decline",), "withdrawn": ("withdraw",),
    "cancelled": ("accept", "cancel"), "lent": ("accept", "hand_over"), "done": ("accept", "done"),
    "confirmed": ("accept", "done", "confirm", "confirm"),
}


def _author_of(post: Post) -> User:
    return db.session.get(User, post.author_id)


class PostFactory(factory.Factory):
    """A post made through posts.create_post by `author` (default: a resident of a new household),
    of `kind`; a `status` of "withdrawn" or "hidden" is reached through the services too."""

    class Meta:
        model = Post

    author = None
    kind = "lend"
    title = factory.Sequence(lambda n: f"电钻出借（{n}）")
    body = "周末可借"
    status = "open"
    at = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("a post is made through the services: PostFactory(), not .build()")

    @classmethod
    def _create(cls, model_class, *, author, kind, title, body, status, at, **data):
        author = author or _resident_of(HouseholdFactory())
        post = posts.create_post(db.session, author, {"kind": kind, "title": title, "body": body} | data, now=at)
        if status == "withdrawn":
            posts.withdraw_post(db.session, author, post, now=at)
        elif status == "hidden":
            moderation.hide(db.session, UserFactory(role="admin"), post, {"reason": "广告"}, now=at)
        return post


class PostResponseFactory(factory.Factory):
    """An answer by `responder` (default: a new resident of the post's community) to `post` (default:
    a new lend post), taken to `status` by the machine's own steps, each by the side that may."""

    class Meta:
        model = PostResponse

    post = factory.SubFactory(PostFactory)
    responder = None
    message = "我可以帮助你"
    status = "pending"
    at = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("an answer is made through the services: PostResponseFactory(), not .build()")

    @classmethod
    def _create(cls, model_class, *, post, responder, message, status, at):
        if status == "confirmed" and post.kind == "lend":
            steps = ("accept", "hand_over", "return", "confirm", "confirm")
        elif status == "done" and post.kind == "lend":
            steps = ("accept", "hand_over", "return")
        else:
            steps = EXCHANGE_STEPS[status]
        if responder is None:
            responder = UserFactory(role="resident", home=HouseholdFactory(grid=post.grid))
        response = exchanges.respond(db.session, responder, {"post_id": post.id, "message": message}, now=at)
        author = _author_of(post)
        now = at or utcnow()
        confirmers = iter((author, responder))
        for action in steps:
            actor = {"withdraw": responder, "confirm": None}.get(action, author)
            data = {}
            if action == "hand_over":
                data = {"due_at": (now + timedelta(days=7)).isoformat() + "Z"}
            if action == "confirm":
                actor = next(confirmers)
            exchanges.transition(db.session, actor, response, action, data, now=at)
        return response


class PostReportFactory(factory.Factory):
    """A neighbour's report of a post, through moderation.report."""

    class Meta:
        model = PostReport

    post = factory.SubFactory(PostFactory)
    reporter = None
    reason = "疑似广告"
    at = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("a report is made through the services: PostReportFactory(), not .build()")

    @classmethod
    def _create(cls, model_class, *, post, reporter, reason, at):
        reporter = reporter or UserFactory(role="resident", home=HouseholdFactory(grid=post.grid))
        return moderation.report(db.session, reporter, post, {"reason": reason}, now=at)


class Open311KeyFactory(_Factory):
    """A key filing into `node` (default a new community), issued by the node's staff. The plain key,
    never stored, is kept on the instance as `.plain`."""

    class Meta:
        model = Open311Key
        exclude = ("node",)

    node = factory.LazyFunction(new_community)
    plain = factory.LazyFunction(lambda: open311_keys.KEY_PREFIX + secrets.token_urlsafe(32))
    name = factory.Sequence(lambda n: f"城市热线{n}")
    node_id = factory.LazyAttribute(lambda o: o.node.id)
    key_hash = factory.LazyAttribute(lambda o: open311_keys.key_hash(o.plain))
    created_by = factory.LazyAttribute(lambda o: account_of(o.node, LEVEL_ROLE[o.node.kind]))

    @classmethod
    def _create(cls, model_class, *args, plain, **kwargs):
        key = super()._create(model_class, *args, **kwargs)
        key.plain = plain
        return key


class Open311SubmissionFactory(factory.Factory):
    """A request filed through Open311 with `key`: raised by the core for the key's issuer, into
    `community` (default the key's own), as backend.open311.services.submit files one."""

    class Meta:
        model = Open311Submission

    key = factory.SubFactory(Open311KeyFactory)
    community = None
    category = "environment"
    description = factory.Sequence(lambda n: f"路灯不亮（{n}）")
    requester_name = "市民"
    account_id = None
    media_url = None
    at = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("a submission files a request through the services: Open311SubmissionFactory()")

    @classmethod
    def _create(cls, model_class, *, key, community, category, description, requester_name, account_id,
                media_url, at):
        community = community or key.node
        filed = requests.create_open311_request(db.session, key.created_by, community, {
            "category": category, "description": description, "requester_name": requester_name}, now=at)
        submission = Open311Submission(key_id=key.id, request_id=filed.id, account_id=account_id,
                                       media_url=media_url)
        db.session.add(submission)
        db.session.flush()
        return submission


# --- the sync engine's tables ------------------------------------------------------------------------

class SyncSpaceFactory(_Factory):
    """A community's change counter (the change feed makes one on a community's first stamped write)."""

    class Meta:
        model = SyncSpace

    id = factory.LazyFunction(lambda: new_community().id)


class TombstoneFactory(_Factory):
    """A household that left its space (deleted, unless `reason` says otherwise)."""

    class Meta:
        model = Tombstone

    space_id = factory.LazyFunction(lambda: new_community().id)
    version = factory.Sequence(lambda n: n + 1)
    collection = "households"
    record_id = factory.LazyFunction(new_id)
    at = factory.LazyFunction(utcnow)


class AppliedMutationFactory(_Factory):
    """A mutation the server applied, with the result a replay returns."""

    class Meta:
        model = AppliedMutation
        exclude = ("user",)

    user = factory.SubFactory(UserFactory)
    id = factory.LazyFunction(new_id)
    user_id = factory.LazyAttribute(lambda o: o.user.id)
    device_id = factory.LazyFunction(new_id)
    payload_hash = factory.LazyFunction(lambda: secrets.token_hex(32))
    result = factory.LazyFunction(lambda: {"status": "applied"})


class SyncDeviceFactory(_Factory):
    """What the server saw of a signed-in device."""

    class Meta:
        model = SyncDevice
        exclude = ("device",)

    device = factory.SubFactory(DeviceFactory)
    device_pk = factory.LazyAttribute(lambda o: o.device.id)


class ConflictFactory(_Factory):
    """An open conflict on a household's field: the server's value won (last write wins), a grid
    worker's is kept for review."""

    class Meta:
        model = Conflict
        exclude = ("record", "user")

    record = factory.SubFactory(HouseholdFactory)
    user = factory.LazyAttribute(lambda o: account_of(o.record.grid, "grid_worker"))
    id = factory.LazyFunction(new_id)
    space_id = factory.LazyAttribute(lambda o: o.record.community_id)
    collection = "households"
    record_id = factory.LazyAttribute(lambda o: o.record.id)
    mutation_id = factory.LazyFunction(new_id)
    user_id = factory.LazyAttribute(lambda o: o.user.id)
    fields = factory.LazyFunction(lambda: {"head_name": {"server": "张伟", "client": "张为", "winner": "server"}})
    rule = "last_write_wins"
    created_at = factory.LazyFunction(utcnow)


class AttachmentFactory(_Factory):
    """A photo, named by the SHA-256 of its bytes."""

    class Meta:
        model = Attachment

    data = factory.Sequence(lambda n: b"\x89PNG\r\n\x1a\n" + n.to_bytes(8, "big"))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest())
    content_type = "image/png"
    size = factory.LazyAttribute(lambda o: len(o.data))


class AttachmentUploadFactory(_Factory):
    """A user's upload of a photo (its provenance: who may name it)."""

    class Meta:
        model = AttachmentUpload
        exclude = ("attachment", "user")

    attachment = factory.SubFactory(AttachmentFactory)
    user = factory.SubFactory("tests.factories.UserFactory")
    sha256 = factory.LazyAttribute(lambda o: o.attachment.sha256)
    user_id = factory.LazyAttribute(lambda o: o.user.id)
    uploaded_at = factory.LazyFunction(utcnow)


class AttachmentRefFactory(_Factory):
    """A record naming a photo (a visit, by default)."""

    class Meta:
        model = AttachmentRef
        exclude = ("attachment",)

    attachment = factory.SubFactory(AttachmentFactory)
    sha256 = factory.LazyAttribute(lambda o: o.attachment.sha256)
    collection = "visits"
    record_id = factory.LazyFunction(new_id)



# --- the points bank: rows made through its services, so every chain and balance verifies ---------

def _points_member(community: Node) -> User:
    """A resident of a household of this community."""
    grid = db.session.scalar(select(Node).where(Node.parent_id == community.id, Node.kind == "grid").limit(1)) \
        or NodeFactory(kind="grid", parent=community)
    return UserFactory(role="resident", home=HouseholdFactory(grid=grid))


class _ServiceFactory(factory.Factory):
    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("points rows are made through the services: Factory(), not .build()")


class PointsTransactionFactory(_ServiceFactory):
    """A grant funding a community's pool (staff)."""

    class Meta:
        model = PointsTransaction

    community = factory.LazyFunction(new_community)
    amount = 1000

    @classmethod
    def _create(cls, model_class, *, community, amount):
        return points_services.grant(db.session, account_of(community, "community_staff"), community.id, amount)


class PointsAccountFactory(_ServiceFactory):
    class Meta:
        model = PointsAccount

    community = factory.LazyFunction(new_community)
    kind = "pool"
    owner = None

    @classmethod
    def _create(cls, model_class, *, community, kind, owner):
        return points_ledger.account(db.session, kind, community.id, owner.id if owner else None)


class PointsEntryFactory(_ServiceFactory):
    """The pool's entry of a grant."""

    class Meta:
        model = PointsEntry

    community = factory.LazyFunction(new_community)
    amount = 100

    @classmethod
    def _create(cls, model_class, *, community, amount):
        grant = PointsTransactionFactory(community=community, amount=amount)
        return next(e for e in grant.entries if e.amount > 0)


class EarningRuleFactory(_ServiceFactory):
    class Meta:
        model = EarningRule

    community = factory.LazyFunction(new_community)
    values = factory.LazyFunction(lambda: {"help_points": 10, "help_daily_cap": 30})

    @classmethod
    def _create(cls, model_class, *, community, values):
        points_rules.set_rules(db.session, account_of(community, "community_staff"), community.id, values)
        return db.session.get(EarningRule, community.id)


class PairingFactory(_ServiceFactory):
    class Meta:
        model = Pairing

    community = factory.LazyFunction(new_community)
    partner = factory.LazyFunction(new_community)

    @classmethod
    def _create(cls, model_class, *, community, partner):
        return points_rules.pair(db.session, account_of(community, "community_staff"), community.id, partner.id)


class RewardFactory(_ServiceFactory):
    class Meta:
        model = Reward

    community = factory.LazyFunction(new_community)
    title = factory.Sequence(lambda n: f"奖品{n}")
    points = 50
    stock = 5

    @classmethod
    def _create(cls, model_class, *, community, title, points, stock):
        return points_rewards.create_reward(db.session, account_of(community, "community_staff"), community.id,
                                            {"title": title, "points": points, "stock": stock})


def _earner(community: Node, user: User | None, points: int) -> User:
    """`user` (or a new resident) holding at least `points` earned by volunteer hours."""
    user = user or _points_member(community)
    PointsTransactionFactory(community=community, amount=max(points, 1) * 2)
    points_earning.award(db.session, community_id=community.id, user_id=user.id, rule="hours",
                         reference=f"factory:{new_id()}", quantity=points / points_rules.DEFAULTS.hours_rate)
    return user


class RedemptionFactory(_ServiceFactory):
    """A reserved redemption (then fulfilled or cancelled, as `status` says)."""

    class Meta:
        model = Redemption

    reward = factory.SubFactory(RewardFactory)
    user = None
    status = "reserved"

    @classmethod
    def _create(cls, model_class, *, reward, user, status):
        community = db.session.get(Node, reward.community_id)
        user = _earner(community, user, reward.points)
        redemption = points_rewards.reserve(db.session, user, reward.id)
        staff = account_of(community, "community_staff")
        if status == "fulfilled":
            points_rewards.fulfil(db.session, staff, redemption)
        elif status == "cancelled":
            points_rewards.cancel(db.session, staff, redemption, "")
        return redemption


class DonationFactory(_ServiceFactory):
    """A resident's donation to their community's pool."""

    class Meta:
        model = Donation

    community = factory.LazyFunction(new_community)
    user = None
    amount = 10

    @classmethod
    def _create(cls, model_class, *, community, user, amount):
        user = _earner(community, user, amount)
        return points_donations.donate(db.session, user, {"to_kind": "community_pool", "amount": amount})


class VolunteerHoursFactory(_ServiceFactory):
    class Meta:
        model = VolunteerHours

    community = factory.LazyFunction(new_community)
    user = None
    hours = 2.0
    activity = "社区清洁"

    @classmethod
    def _create(cls, model_class, *, community, user, hours, activity):
        PointsTransactionFactory(community=community, amount=1000)
        user = user or _points_member(community)
        return points_earning.record_hours(db.session, account_of(community, "community_staff"), user_id=user.id,
                                           hours=hours, activity=activity, worked_on=None)


OPEN_ALL_WEEK = {str(day): [["08:00", "20:00"]] for day in range(7)}


class RoomFactory(_ServiceFactory):
    """A function room of a community, open 08:00-20:00 every day (local time)."""

    class Meta:
        model = Room

    community = factory.LazyFunction(new_community)
    name = factory.Sequence(lambda n: f"活动室{n}")
    needs_approval = False
    opening_hours = factory.LazyFunction(lambda: dict(OPEN_ALL_WEEK))

    @classmethod
    def _create(cls, model_class, *, community, name, needs_approval, opening_hours):
        return rooms.create_room(db.session, account_of(community, "community_staff"),
                                 {"community_id": community.id, "name": name, "needs_approval": needs_approval,
                                  "opening_hours": opening_hours, "bookable_by": ["residents", "staff"]})


class BookingFactory(_ServiceFactory):
    """A confirmed booking of an hour, a day after now (booked through the services' one writer)."""

    class Meta:
        model = Booking

    room = factory.SubFactory(RoomFactory)
    starts_at = factory.LazyFunction(lambda: utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1))
    hours = 1
    kind = "booking"

    @classmethod
    def _create(cls, model_class, *, room, starts_at, hours, kind):
        community = db.session.get(Node, room.community_id)
        return rooms.book_slot(db.session, room_id=room.id, starts_at=starts_at,
                               ends_at=starts_at + timedelta(hours=hours),
                               user_id=account_of(community, "community_staff").id, kind=kind,
                               reference=f"factory:{new_id()}")


class BookingSlotFactory(_ServiceFactory):
    """The one slot of a booking."""

    class Meta:
        model = BookingSlot

    booking = factory.SubFactory(BookingFactory)

    @classmethod
    def _create(cls, model_class, *, booking):
        return booking.slots[0]
class ActivityFactory(_ServiceFactory):
    """An activity of a community's menu, made (and published) by its staff, starting `starts_at`."""

    class Meta:
        model = Activity

    community = factory.LazyFunction(new_community)
    title = "一碗腊八粥"
    capacity = 10
    starts_at = factory.LazyFunction(lambda: utcnow().replace(microsecond=0) + timedelta(days=3))
    published = True
    extra = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class, *, community, title, capacity, starts_at, published, extra):
        staff = account_of(community, "community_staff")
        activity = activity_menu.create_activity(db.session, staff, {
            "community_id": community.id, "title": title, "capacity": capacity,
            "starts_at": starts_at.isoformat() + "Z", "ends_at": (starts_at + timedelta(hours=2)).isoformat() + "Z",
            **extra})
        if published:
            activity_menu.publish(db.session, staff, activity)
        return activity


class SignupFactory(_ServiceFactory):
    """A resident of the activity's community signed up (confirmed while places are free)."""

    class Meta:
        model = Signup

    activity = factory.SubFactory(ActivityFactory)
    user = None

    @classmethod
    def _create(cls, model_class, *, activity, user):
        user = user or _points_member(activity.community)
        return activity_signups.sign_up(db.session, user, {"activity_id": activity.id})


class CheckinFactory(_ServiceFactory):
    """A sign-up checked in at the door by a grid worker of the community."""

    class Meta:
        model = Checkin

    signup = factory.SubFactory(SignupFactory)
    offline = True

    @classmethod
    def _create(cls, model_class, *, signup, offline):
        grid = db.session.scalar(select(Node).where(Node.parent_id == signup.community_id, Node.kind == "grid")
                                 .limit(1))
        at = signup.activity.starts_at
        checkin, _existing = activity_checkins.record(db.session, account_of(grid, "grid_worker"), {
            "activity_id": signup.activity_id, "signup_id": signup.id, "at": at.isoformat() + "Z",
            "offline": offline})
        return checkin


def node(kind, name, parent=None, **extra) -> Node:
    return NodeFactory(kind=kind, name=name, parent=parent, **extra)


def household(grid, address, head, tags=(), building=None, phone=None) -> Household:
    return HouseholdFactory(grid=grid, address=address, head_name=head, tags=tags, building=building, phone=phone)


def resident(home, name, tags=(), id_number=None, phone=None, **extra) -> Resident:
    return ResidentFactory(home=home, name=name, tags=tags, id_number=id_number, phone=phone, **extra)


def user(username, role, scopes=(), home=None, community=None, status="active", **extra) -> User:
    return UserFactory(username=username, role=role, scopes=scopes, home=home, community=community,
                       status=status, **extra)


@lru_cache(maxsize=1)
def _builtin_care_tags() -> list[dict]:
    """The built-in care tags as migration 0001 seeds them."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "backend/migrations/versions/0001_foundation.py"
    spec = importlib.util.spec_from_file_location("linli_migration_0001", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [{"code": code, "hans": hans, "hant": hant, "en": en, "sensitive": sensitive}
            for code, hans, hant, en, sensitive in module.BUILTIN_TAGS]


def empty_database() -> None:
    """Empty every table, keeping the built-in care tags and request categories as the migrations
    seeded them (one a test added goes, one it changed is set back). Inside an app context."""
    from sqlalchemy import bindparam, text

    db.session.remove()
    kept = ("care_tags", "request_categories")  # seeded by the migrations
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in kept]
    builtin = [{"code": code, "name": name, "hours": hours, "days": days, "order": order}
               for code, name, hours, days, order in BUILTIN_CATEGORIES]
    # DELETE, children first, on both databases: PostgreSQL's TRUNCATE of forty
    # small tables costs a tenth of a second a test (a new file for each).
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        conn.execute(text("DELETE FROM care_tags WHERE builtin = :f"), {"f": False})
        conn.execute(text("UPDATE care_tags SET name_zh_hans = :hans, name_zh_hant = :hant, name_en = :en, "
                          "sensitive = :sensitive WHERE code = :code"), _builtin_care_tags())
        conn.execute(text("DELETE FROM request_categories WHERE code NOT IN :codes")
                     .bindparams(bindparam("codes", expanding=True)), {"codes": [c["code"] for c in builtin]})
        conn.execute(text("UPDATE request_categories SET name = :name, description = '', accept_hours = :hours, "
                          "resolve_days = :days, active = :active, sort_order = :order WHERE code = :code"),
                     [c | {"active": True} for c in builtin])


@dataclass
class World:
    nodes: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    residents: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def __getattr__(self, name):
        for bucket in ("nodes", "households", "residents", "users"):
            if name in self.__dict__.get(bucket, {}):
                return self.__dict__[bucket][name]
        raise AttributeError(name)


# The world's rows, made once per database, key set and minute of the clock, and
# written back into an emptied database for each test: building it through the
# factories costs about 150 ms, which three thousand tests pay on each database.
_SAVED_WORLDS: dict = {}
_KEPT = ("care_tags", "request_categories")  # seeded by the migrations, never the world's


def build_world() -> World:
    """The small world every test starts from (see `_build_world`), restored from its
    saved rows when this database is empty and the same world was built before."""
    from flask import current_app

    from backend import clock

    key = (str(db.engine.url), current_app.config.get("FIELD_KEYS"), current_app.config.get("INDEX_KEY"),
           clock.now().replace(second=0, microsecond=0))
    saved, empty = _SAVED_WORLDS.get(key), _is_empty()
    if saved is not None and empty:
        return _restore_world(*saved)
    world = _build_world()
    if saved is None and empty:  # only the world's own rows are saved
        _SAVED_WORLDS[key] = (_world_rows(), {bucket: {name: obj.id for name, obj in getattr(world, bucket).items()}
                                              for bucket in ("nodes", "households", "residents", "users")})
        db.session.commit()  # reading the ids began a transaction: end it, as a built world is left
    return world


def _is_empty() -> bool:
    return db.session.scalar(select(Node.id).limit(1)) is None and db.session.scalar(select(User.id).limit(1)) is None


def _world_rows() -> list:
    rows = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in _KEPT:
                continue
            found = [dict(r._mapping) for r in conn.execute(select(table))]
            if table.name == "nodes":
                found.sort(key=lambda r: r["path"].count("/"))  # parents first
            if found:
                rows.append((table, found))
    return rows


def _restore_world(rows, ids) -> World:
    from sqlalchemy import Integer, text

    db.session.remove()
    with db.engine.begin() as conn:
        for table, found in rows:
            conn.execute(table.insert(), found)
            serial = [c for c in table.primary_key.columns if isinstance(c.type, Integer) and c.autoincrement]
            if conn.dialect.name == "postgresql" and len(serial) == 1:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{serial[0].name}'), "
                                  f"(SELECT max({serial[0].name}) FROM {table.name}))"))
    models = {"nodes": Node, "households": Household, "residents": Resident, "users": User}
    world = World()
    for bucket, model in models.items():
        loaded = {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids[bucket].values())))}
        getattr(world, bucket).update({name: loaded[i] for name, i in ids[bucket].items()})
    db.session.commit()  # as a built world is left: committed, its objects expired (read afresh when used)
    return world


def _build_world() -> World:
    """district D
         street S1: community C1 (urban): grid G1 (building B1), grid G2
                    community C2 (urban): grid G5
         street S2: village V1: grid G3, rural station ST1
    """
    w = World()
    n = w.nodes
    n["D"] = node("district", "测试区")
    n["S1"] = node("street", "东街道", n["D"])
    n["S2"] = node("street", "西街道", n["D"])
    n["C1"] = node("community", "幸福社区", n["S1"], community_kind="urban")
    n["C2"] = node("community", "和平社区", n["S1"], community_kind="urban")
    n["V1"] = node("community", "柳树村", n["S2"], community_kind="village")
    n["G1"] = node("grid", "第一网格", n["C1"], code="G01")
    n["G2"] = node("grid", "第二网格", n["C1"], code="G02")
    n["G5"] = node("grid", "和平一网格", n["C2"], code="G05")
    n["G3"] = node("grid", "柳树一网格", n["V1"], code="G03")
    n["B1"] = node("building", "1号楼", n["G1"])
    n["ST1"] = node("station", "柳树村综合服务站", n["V1"])
    h = w.households
    h["H1"] = household(n["G1"], "幸福小区1号楼1单元101", "张伟", tags=["elderly_alone"], building=n["B1"],
                        phone="13800000001")
    h["H2"] = household(n["G2"], "幸福小区2号楼2单元202", "李娜", tags=["dibao"])
    h["H5"] = household(n["G5"], "和平里3号", "王强")
    h["H3"] = household(n["V1"] and n["G3"], "柳树村5组12号", "刘洋", tags=["left_behind_child"])
    r = w.residents
    r["R1"] = resident(h["H1"], "张伟", tags=["elderly_alone"], id_number="11010119400101123X",
                       phone="13800000001", gender="M")
    r["R1b"] = resident(h["H1"], "张秀英", tags=["community_correction"], gender="F")
    r["R2"] = resident(h["H2"], "李娜", gender="F")
    r["R5"] = resident(h["H5"], "王强", gender="M")
    r["R3"] = resident(h["H3"], "刘小明", tags=["left_behind_child"], gender="M")
    u = w.users
    u["admin"] = user("admin", "admin")
    u["district"] = user("district1", "district_officer", [n["D"]])
    u["street1"] = user("street1", "street_officer", [n["S1"]])
    u["street2"] = user("street2", "street_officer", [n["S2"]])
    u["staff1"] = user("staff1", "community_staff", [n["C1"]])
    u["staff2"] = user("staff2", "community_staff", [n["C2"]])
    u["worker1"] = user("worker1", "grid_worker", [n["G1"]])
    u["worker2"] = user("worker2", "grid_worker", [n["G2"]])
    u["station1"] = user("station1", "station_operator", [n["ST1"]])
    u["resident1"] = user("resident1", "resident", home=h["H1"])
    u["volunteer1"] = user("volunteer1", "volunteer", [n["C1"]], community=n["C1"])
    db.session.commit()
    return w
