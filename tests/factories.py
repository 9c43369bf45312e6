"""Test data built through the real models: a factory_boy factory per model (flushed
with the app's session), and the World every test starts from, built with them. One
shared password hash, so building a world costs one Argon2 hash, not one per account.
Records with a state machine (requests, their events, ratings) are made through their
services, which write the events and stamps a factory would skip."""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from backend.auth.models import Device, User
from backend.auth.passwords import hash_password
from backend.common import new_id, utcnow
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
from backend.fieldwork.visits.models import Visit, VisitTask
from backend.org.models import Node
from backend.registry import sensitive
from backend.registry.models import CareTag, Household, Resident
from backend.requests.models import Department

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

    grid = None
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

    home = None
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

    node = None
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

    household = None
    due_date = factory.LazyFunction(lambda: utcnow().date())


class VisitFactory(_FieldRecordFactory):
    class Meta:
        model = Visit
        exclude = ("household", "author")

    household = None
    author = None
    author_id = factory.LazyAttribute(lambda o: o.author.id)
    visited_at = factory.LazyFunction(utcnow)


class PatrolReportFactory(_Factory):
    class Meta:
        model = PatrolReport
        exclude = ("grid", "author")

    grid = None
    author = None
    id = factory.LazyFunction(new_id)
    grid_id = factory.LazyAttribute(lambda o: o.grid.id)
    community_id = factory.LazyAttribute(lambda o: o.grid.parent_id)
    author_id = factory.LazyAttribute(lambda o: o.author.id)
    category = "environment"
    reported_at = factory.LazyFunction(utcnow)


def node(kind, name, parent=None, **extra) -> Node:
    return NodeFactory(kind=kind, name=name, parent=parent, **extra)


def household(grid, address, head, tags=(), building=None, phone=None) -> Household:
    return HouseholdFactory(grid=grid, address=address, head_name=head, tags=tags, building=building, phone=phone)


def resident(home, name, tags=(), id_number=None, phone=None, **extra) -> Resident:
    return ResidentFactory(home=home, name=name, tags=tags, id_number=id_number, phone=phone, **extra)


def user(username, role, scopes=(), home=None, community=None, status="active", **extra) -> User:
    return UserFactory(username=username, role=role, scopes=scopes, home=home, community=community,
                       status=status, **extra)


def empty_database() -> None:
    """Empty every table, keeping the built-in care tags and request categories. Inside an app context."""
    from sqlalchemy import text

    db.session.remove()
    kept = ("care_tags", "request_categories")  # seeded by the migrations
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in kept]
    # DELETE, children first, on both databases: PostgreSQL's TRUNCATE of forty
    # small tables costs a tenth of a second a test (a new file for each).
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        conn.execute(text("DELETE FROM care_tags WHERE builtin = :f"), {"f": False})


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


def build_world() -> World:
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
