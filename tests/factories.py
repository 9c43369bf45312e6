"""Test data built through the real models, with one shared password hash so
building a world costs one Argon2 hash, not one per account."""

from dataclasses import dataclass, field
from functools import lru_cache

from backend.auth.models import User
from backend.auth.passwords import hash_password
from backend.common import new_id
from backend.extensions import db
from backend.org.models import Node
from backend.registry import sensitive
from backend.registry.models import CareTag, Household, Resident

PASSWORD = "demo-pass-2026"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


def node(kind, name, parent=None, **extra) -> Node:
    record = Node(id=new_id(), kind=kind, name=name, parent_id=parent.id if parent else None, **extra)
    record.path = (parent.path if parent else "/") + record.id + "/"
    if kind == "community" and not record.invite_code:
        record.invite_code = new_id()[:8].upper()
    db.session.add(record)
    db.session.flush()
    return record


def household(grid, address, head, tags=(), building=None, phone=None) -> Household:
    record = Household(id=new_id(), grid_id=grid.id, community_id=grid.parent_id, address=address,
                       head_name=head, building_id=building.id if building else None,
                       phone_enc=sensitive.encrypt(phone), member_count=0)
    record.care_tags = [db.session.get(CareTag, code) for code in tags]
    db.session.add(record)
    db.session.flush()
    return record


def resident(home, name, tags=(), id_number=None, phone=None, **extra) -> Resident:
    record = Resident(id=new_id(), household_id=home.id, name=name, **extra)
    record.id_number_enc = sensitive.encrypt(id_number)
    record.id_number_hash = sensitive.blind_index(id_number)
    record.phone_enc = sensitive.encrypt(phone)
    record.care_tags = [db.session.get(CareTag, code) for code in tags]
    db.session.add(record)
    home.member_count += 1
    db.session.flush()
    return record


def user(username, role, scopes=(), home=None, community=None, status="active", **extra) -> User:
    record = User(id=new_id(), username=username, display_name=extra.pop("display_name", username),
                  password_hash=password_hash(), role=role, status=status, **extra)
    record.scope_nodes = list(scopes)
    if home is not None:
        record.household_id = home.id
        record.community_id = home.community_id
    elif community is not None:
        record.community_id = community.id
    db.session.add(record)
    db.session.flush()
    return record


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
