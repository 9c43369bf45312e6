"""The demo city: a plan (how many communities, grids, households and
residents, and where) and a builder that turns a plan into rows.

The plan is cheap and can be computed without a database (tests check the
city preset's totals that way); the builder generates families, addresses,
ID numbers and care tags deterministically from the seed and writes them
with Core bulk inserts in batches."""

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, text

from backend.areas import resolve
from backend.auth.models import User, user_scopes
from backend.auth.passwords import hash_password
from backend.common import utcnow
from backend.extensions import db
from backend.org.models import Node
from backend.org.services import INVITE_ALPHABET
from backend.registry import sensitive
from backend.registry.models import CareTag, Consent, Household, Resident, household_care_tags, resident_care_tags
from backend.seed import names
from backend.versioning import stamp_bulk_writes

PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented demo password
DEFAULT_SEED = 2026
# Ages are counted at this date, not today, so a seed always gives the same city.
REFERENCE = date(2026, 1, 1)
BATCH = 5000

# Care-tag rates (per household unless noted), taken from what the seed
# articles and common community statistics suggest.
ELDERLY_ALONE_RATE = 0.05
DISABLED_RATE = 0.03
DIBAO_RATE = {"urban": 0.035, "village": 0.06}
HARDSHIP_SHARE_OF_ALONE = 0.12  # of elderly living alone, also 特困
SENSITIVE_RATE = 0.004  # community correction, and again rehabilitation
# The basis on which the community holds each sensitive tag: the law that puts it in its care.
LEGAL_BASIS = {"community_correction": "《中华人民共和国社区矫正法》：社区矫正对象由居住地社区协助监督管理",
               "rehabilitation": "《中华人民共和国精神卫生法》：社区康复由居委会、村委会协助开展"}
# Villages: share of families with children whose parents work away.
LEFT_BEHIND_RATE = {"urban": 0.015, "village": 0.35}
ELDERS_LEFT_RATE = {"urban": 0.0, "village": 0.3}  # elders-only village households

HOUSEHOLD_SIZE_WEIGHTS = {
    "urban": [(1, 12), (2, 30), (3, 32), (4, 15), (5, 7), (6, 3), (7, 1)],
    "village": [(1, 6), (2, 22), (3, 26), (4, 22), (5, 14), (6, 7), (7, 2), (8, 1)],
}
MAX_SIZE = 8


# --- the plan -------------------------------------------------------------------

@dataclass
class GridPlan:
    name: str
    code: str
    households: int
    residents: int
    buildings: int  # 0 in a village: addresses are 组/号 there


@dataclass
class CommunityPlan:
    name: str
    street: str
    kind: str  # urban | village
    grids: list[GridPlan] = field(default_factory=list)

    @property
    def households(self) -> int:
        return sum(g.households for g in self.grids)

    @property
    def residents(self) -> int:
        return sum(g.residents for g in self.grids)

    @property
    def station(self) -> str | None:
        return f"{self.name}综合服务站" if self.kind == "village" else None

    @property
    def compound(self) -> str:
        """The housing estate's name: 幸福社区 -> 幸福小区."""
        return self.name.removesuffix("社区") + "小区"


@dataclass
class Plan:
    seed: int
    district: str
    streets: list[str]
    communities: list[CommunityPlan]

    @property
    def households(self) -> int:
        return sum(c.households for c in self.communities)

    @property
    def residents(self) -> int:
        return sum(c.residents for c in self.communities)

    @property
    def grids(self) -> int:
        return sum(len(c.grids) for c in self.communities)

    def community(self, name: str) -> CommunityPlan:
        return next(c for c in self.communities if c.name == name)


def split(total: int, weights: list[float]) -> list[int]:
    """Split an integer total in proportion to weights, exactly (largest remainder)."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


# The demo city's own communities; a larger city adds more after them.
DEMO_COMMUNITIES = [("幸福社区", "东城街道", "urban"), ("和平社区", "东城街道", "urban"),
                    ("阳光社区", "西郊街道", "urban"), ("柳树村", "西郊街道", "village")]


def _check_plan(households: int, residents: int, communities: int, villages: int, extra_urban: int) -> None:
    if villages < 1 or extra_urban < 0:
        raise ValueError("a plan needs the demo's three urban communities and at least one village")
    if extra_urban > len(names.URBAN_COMMUNITIES) - 3 or villages > len(names.VILLAGES):
        raise ValueError("not that many community names")
    if not households <= residents <= MAX_SIZE * households:
        raise ValueError("residents must be between 1 and 8 per household")
    if households < 2 * communities:
        raise ValueError("at least two households per community")


def _community_specs(communities: int, villages: int, extra_urban: int) -> tuple[list[str], list[tuple]]:
    """The streets, and (name, street, kind) of every community: the demo's own first, then the
    others on the least loaded street of their kind."""
    streets = names.STREETS[: max(2, min(len(names.STREETS), round(communities / 6)))]
    village_streets = [s for s in streets if s in names.VILLAGE_STREETS]
    urban_streets = [s for s in streets if not s.endswith("镇")]
    load = {s: 0 for s in streets}
    specs = []
    for name, street, kind in DEMO_COMMUNITIES:
        specs.append((name, street, kind))
        load[street] += 1

    def place(candidates):
        street = min(candidates, key=lambda s: (load[s], streets.index(s)))
        load[street] += 1
        return street

    for village in names.VILLAGES[1:villages]:
        specs.append((village + "村", place(village_streets), "village"))
    for base in names.URBAN_COMMUNITIES[3: 3 + extra_urban]:
        specs.append((base + "社区", place(urban_streets), "urban"))
    return streets, specs


def make_plan(*, households: int, residents: int, communities: int = 4, villages: int = 1,
              grid_households: int = 300, seed: int = DEFAULT_SEED) -> Plan:
    """A city of exactly `households` households and `residents` residents in
    `communities` communities (of which `villages` villages), grids of about
    `grid_households` households (at least two per community)."""
    extra_urban = communities - villages - 3
    _check_plan(households, residents, communities, villages, extra_urban)
    rng = random.Random(f"plan:{seed}")
    streets, specs = _community_specs(communities, villages, extra_urban)

    # Villages are smaller than urban communities; everyone varies a little.
    weights = [rng.uniform(0.75, 1.25) * (0.7 if kind == "village" else 1.0) for _, _, kind in specs]
    per_community = split(households, weights)
    plans = []
    grid_specs = []  # (community plan, households) in order, for the residents split
    for (name, street, kind), count in zip(specs, per_community, strict=True):
        if count < 2:  # tiny targets: borrow from the largest community
            donor = per_community.index(max(per_community))
            per_community[donor] -= 2 - count
            count = 2
        community = CommunityPlan(name=name, street=street, kind=kind)
        n_grids = max(2, round(count / grid_households))
        for grid_count in split(count, [rng.uniform(0.85, 1.15) for _ in range(n_grids)]):
            grid_specs.append((community, grid_count))
        plans.append(community)

    # Village households are larger.
    resident_counts = split(residents, [n * (1.15 if c.kind == "village" else 1.0) for c, n in grid_specs])
    _repair(resident_counts, [n for _, n in grid_specs])
    for code, ((community, count), people) in enumerate(zip(grid_specs, resident_counts, strict=True), 1):
        index = len(community.grids) + 1
        buildings = 0 if community.kind == "village" else min(count, rng.randint(3, 6))
        community.grids.append(GridPlan(name=f"第{names.chinese_number(index)}网格", code=f"G{code:02d}",
                                        households=count, residents=people, buildings=buildings))
    return Plan(seed=seed, district=names.DISTRICT, streets=streets, communities=plans)


def _repair(people: list[int], households: list[int]) -> None:
    """Move residents between grids until every grid has 1..8 per household."""
    for i, n in enumerate(households):
        while people[i] < n:
            j = max(range(len(people)), key=lambda k: people[k] - households[k])
            people[j] -= 1
            people[i] += 1
        while people[i] > MAX_SIZE * n:
            j = max(range(len(people)), key=lambda k: MAX_SIZE * households[k] - people[k])
            people[j] += 1
            people[i] -= 1


def demo_plan(seed: int = DEFAULT_SEED) -> Plan:
    return make_plan(households=600, residents=1500, communities=4, villages=1, grid_households=42, seed=seed)


def city_plan(seed: int = DEFAULT_SEED) -> Plan:
    """As large as seed 001's county-level city."""
    return make_plan(households=77_095, residents=230_266, communities=34, villages=10, grid_households=300,
                     seed=seed)


PRESETS = {"demo": demo_plan, "city": city_plan}


# --- families ----------------------------------------------------------------------

def _tilted(weights: list[tuple[int, float]], mean: float) -> list[tuple[int, float]]:
    """Reshape a size distribution (w(s) * t**s) so its mean is `mean`."""
    def shaped(t):
        return [(size, w * t ** size) for size, w in weights]

    def mean_of(pairs):
        return sum(size * w for size, w in pairs) / sum(w for _, w in pairs)

    low, high = 0.05, 20.0
    for _ in range(60):
        mid = (low * high) ** 0.5
        low, high = (mid, high) if mean_of(shaped(mid)) < mean else (low, mid)
    return shaped((low * high) ** 0.5)


def household_sizes(rng: random.Random, n: int, total: int, kind: str = "urban") -> list[int]:
    """n household sizes (1..8) adding up to exactly `total`, shaped like real ones."""
    if n == 0:
        if total:
            raise ValueError("residents without households")
        return []
    if not n <= total <= MAX_SIZE * n:
        raise ValueError("residents must be between 1 and 8 per household")
    table = names.Weighted(_tilted(HOUSEHOLD_SIZE_WEIGHTS[kind], min(total / n, MAX_SIZE - 0.5)))
    sizes = [int(table.pick(rng)) for _ in range(n)]
    diff = total - sum(sizes)
    while diff:
        i = rng.randrange(n)
        if diff > 0 and sizes[i] < MAX_SIZE:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > 1:
            sizes[i] -= 1
            diff += 1
    return sizes


@dataclass
class Member:
    relation: str
    gender: str
    age: int
    surname: str
    name: str = ""
    birth: date | None = None
    tags: list = field(default_factory=list)


def _other(gender: str) -> str:
    return "F" if gender == "M" else "M"


def family(rng: random.Random, size: int, surnames: names.Weighted, elderly_alone: bool = False) -> list[Member]:
    """The members of one household: the head (户主) first."""
    if elderly_alone:
        gender = "F" if rng.random() < 0.65 else "M"
        return [Member("户主", gender, rng.randint(66, 93), surnames.pick(rng))]
    if size == 1:
        return [Member("户主", "M" if rng.random() < 0.55 else "F", rng.randint(20, 59), surnames.pick(rng))]
    if size >= 3 and rng.random() < (0.3 if size >= 4 else 0.12):
        return _three_generations(rng, size, surnames)
    return _nuclear(rng, size, surnames)


def _children_ages(rng, count: int, grown: bool = False) -> list[int]:
    """Ages of siblings, eldest first, one to five years apart."""
    ages = [rng.randint(18, 30) if grown else rng.randint(0, 17)]
    for _ in range(count - 1):
        ages.append(ages[-1] + rng.randint(1, 5))
    return ages[::-1]


def _spouse_age(rng, head: Member) -> int:
    return max(20, head.age + (rng.randint(-5, 1) if head.gender == "M" else rng.randint(-1, 5)))


def _nuclear(rng, size, surnames) -> list[Member]:
    """Head, usually a spouse, children, maybe the head's parents."""
    has_spouse = rng.random() < 0.9
    head_gender = ("M" if rng.random() < 0.8 else "F") if has_spouse else ("F" if rng.random() < 0.7 else "M")
    rest = size - 1 - has_spouse
    parents = 0
    if rest >= 2:
        parents = rng.choices((0, 1, 2), (60, 25, 15))[0]
        parents = min(parents, rest - 1)
    elif rest == 1 and rng.random() < 0.25:
        parents = 1
    parents = min(2, max(parents, rest - 4))
    children = rest - parents
    child_ages = _children_ages(rng, children, grown=rng.random() < 0.15) if children else []
    if child_ages:
        head_age = min(80, child_ages[0] + rng.randint(24, 33))
    elif parents:
        head_age = rng.randint(25, 55)
    else:
        head_age = rng.randint(23, 35) if rng.random() < 0.5 else rng.randint(50, 82)
    if parents:
        head_age = min(head_age, 66)
    head = Member("户主", head_gender, head_age, surnames.pick(rng))
    members = [head]
    family_surname = head.surname
    if has_spouse:
        spouse = Member("配偶", _other(head_gender), _spouse_age(rng, head), surnames.pick(rng))
        members.append(spouse)
        if head_gender == "F":
            family_surname = spouse.surname
    for age in child_ages:
        members.append(Member("子女", rng.choice("MF"), age, family_surname))
    if parents:
        father_age = min(96, head_age + rng.randint(24, 32))
        mother_age = min(96, father_age + rng.randint(-4, 1))
        if parents == 2:
            members.append(Member("父母", "M", father_age, head.surname))
            members.append(Member("父母", "F", mother_age, surnames.pick(rng)))
        elif rng.random() < 0.65:  # widowed mothers outnumber fathers
            members.append(Member("父母", "F", mother_age, surnames.pick(rng)))
        else:
            members.append(Member("父母", "M", father_age, head.surname))
    return members


def _three_generations(rng, size, surnames) -> list[Member]:
    """An older head and spouse, a grown child, maybe the child's spouse, grandchildren."""
    has_spouse = rng.random() < 0.85
    head_gender = "M" if rng.random() < 0.85 else "F"
    rest = size - 2 - has_spouse  # after head, spouse and the grown child
    in_law = rest >= 2
    grand_ages = _children_ages(rng, rest - in_law) if rest - in_law else []
    child_age = grand_ages[0] + rng.randint(22, 32) if grand_ages else rng.randint(22, 40)
    head = Member("户主", head_gender, min(92, child_age + rng.randint(23, 32)), surnames.pick(rng))
    members = [head]
    family_surname = head.surname
    if has_spouse:
        spouse = Member("配偶", _other(head_gender), _spouse_age(rng, head), surnames.pick(rng))
        members.append(spouse)
        if head_gender == "F":
            family_surname = spouse.surname
    child = Member("子女", "M" if rng.random() < 0.75 else "F", child_age, family_surname)
    members.append(child)
    grand_surname = child.surname
    if in_law:
        partner = Member("儿媳" if child.gender == "M" else "女婿", _other(child.gender),
                         max(20, child.age + rng.randint(-4, 4)), surnames.pick(rng))
        members.append(partner)
        if child.gender == "F":
            grand_surname = partner.surname
    for age in grand_ages:
        members.append(Member("孙子女", rng.choice("MF"), age, grand_surname))
    return members


def _birth(rng, age: int) -> date:
    return REFERENCE - timedelta(days=age * 365 + age // 4 + rng.randint(1, 364))


def _name_family(rng, members: list[Member]) -> None:
    taken = set()
    for member in members:
        member.birth = _birth(rng, member.age)
        for _ in range(20):
            name = member.surname + names.given_name(rng, member.gender, member.birth.year)
            if name not in taken:
                break
        member.name = name
        taken.add(name)


def _left_behind(rng, members: list[Member], kind: str, elderly_alone: bool, household_tags: set) -> None:
    """Children, women and elders whose family works in the city (留守)."""
    kids = [m for m in members if m.age < 16]
    adults = [m for m in members if 20 <= m.age < 55]
    elders = [m for m in members if m.age >= 60]
    if kids and adults and rng.random() < LEFT_BEHIND_RATE[kind]:
        # The parents (or one of them) work in the city.
        for kid in kids:
            kid.tags.append("left_behind_child")
        household_tags.add("left_behind_child")
        women = [m for m in adults if m.gender == "F"]
        if kind == "village" and women and rng.random() < 0.45:
            women[0].tags.append("left_behind_woman")
            household_tags.add("left_behind_woman")
        for elder in elders:
            elder.tags.append("left_behind_elder")
            household_tags.add("left_behind_elder")
    elif elders and len(elders) == len(members) and not elderly_alone and rng.random() < ELDERS_LEFT_RATE[kind]:
        for elder in elders:
            elder.tags.append("left_behind_elder")
        household_tags.add("left_behind_elder")


def _care_tags(rng, members: list[Member], kind: str, elderly_alone: bool, credit: dict) -> set[str]:
    """Tag people and return the household's tags."""
    household_tags = set()
    if elderly_alone:
        members[0].tags.append("elderly_alone")
        household_tags.add("elderly_alone")
        if rng.random() < HARDSHIP_SHARE_OF_ALONE:
            members[0].tags.append("special_hardship")
            household_tags.add("special_hardship")
    _left_behind(rng, members, kind, elderly_alone, household_tags)
    if rng.random() < DISABLED_RATE:
        # Disability is commoner with age.
        person = max(members, key=lambda m: m.age + rng.randint(0, 60))
        person.tags.append("disabled")
        household_tags.add("disabled")
    if rng.random() < DIBAO_RATE[kind]:
        household_tags.add("dibao")
    grown = [m for m in members if 18 <= m.age <= 55]
    for code in ("community_correction", "rehabilitation"):
        # Rare: systematic sampling (a running credit) so even a small city has a few.
        credit[code] = credit.get(code, rng.random()) + SENSITIVE_RATE
        if grown and credit[code] >= 1:
            credit[code] -= 1
            rng.choice(grown).tags.append(code)  # sensitive: on the person only
    return household_tags


# --- addresses -----------------------------------------------------------------------

def _apartments(rng, compound: str, number: int, count: int) -> list[str]:
    """`count` distinct flats of one building, in order: 幸福小区3号楼2单元301."""
    units = rng.randint(2, 4)
    floors = max(6, -(-count * 10 // (units * 2 * 8)))  # about 80% occupied
    while floors > 33:
        units += 1
        floors = max(6, -(-count * 10 // (units * 2 * 8)))
    slots = [(u, f, r) for u in range(1, units + 1) for f in range(1, floors + 1) for r in (1, 2)]
    chosen = sorted(rng.sample(slots, count))
    return [f"{compound}{number}号楼{u}单元{f}{r:02d}" for u, f, r in chosen]


# --- the builder -------------------------------------------------------------------

BUILTIN_TAGS = ("elderly_alone", "left_behind_child", "left_behind_woman", "left_behind_elder", "disabled",
                "dibao", "special_hardship", "community_correction", "rehabilitation")

# username, display name, role, scope keys
ACCOUNTS = [
    ("admin", "系统管理员", "admin", []),
    ("district1", "周建华", "district_officer", ["district"]),
    ("street1", "陈静", "street_officer", ["street:东城街道"]),
    ("street2", "刘强", "street_officer", ["street:西郊街道"]),
    ("staff1", "王芳", "community_staff", ["community:幸福社区"]),
    ("staff2", "张丽", "community_staff", ["community:和平社区"]),
    ("staff3", "赵敏", "community_staff", ["community:阳光社区"]),
    ("staff4", "刘建军", "community_staff", ["community:柳树村"]),
    ("worker1", "李强", "grid_worker", ["grid:幸福社区:1"]),
    ("worker2", "孙丽娟", "grid_worker", ["grid:幸福社区:2"]),
    ("worker3", "杨帆", "grid_worker", ["grid:和平社区:1", "grid:和平社区:2"]),
    ("station1", "刘秀兰", "station_operator", ["station:柳树村"]),
    ("resident1", None, "resident", []),  # named after the head of their household
    ("volunteer1", "吴晓燕", "volunteer", ["community:幸福社区"]),
]
PENDING = [("applicant1", "钱浩", 2), ("applicant2", "冯丽萍", 3)]  # username, name, grid whose address they claim


class _Writer:
    """Row buffers flushed in foreign-key order every BATCH rows."""

    ORDER = ("nodes", "households", "residents", "household_care_tags", "resident_care_tags", "consents")
    TABLES = {"nodes": Node.__table__, "households": Household.__table__, "residents": Resident.__table__,
              "household_care_tags": household_care_tags, "resident_care_tags": resident_care_tags,
              "consents": Consent.__table__}

    def __init__(self):
        self.buffers = {name: [] for name in self.ORDER}
        self.counts = dict.fromkeys(self.ORDER, 0)

    def add(self, name: str, row: dict) -> None:
        self.buffers[name].append(row)

    def maybe_flush(self) -> None:
        """Called between whole households, so no batch holds half of one."""
        if any(len(rows) >= BATCH for rows in self.buffers.values()):
            self.flush()

    def flush(self) -> None:
        for name in self.ORDER:
            rows = self.buffers[name]
            if rows:
                db.session.execute(insert(self.TABLES[name]), rows)
                self.counts[name] += len(rows)
                rows.clear()


class _Builder:
    def __init__(self, plan: Plan, echo=None):
        self.plan = plan
        self.echo = echo or (lambda _message: None)
        self.rng = random.Random(f"city:{plan.seed}")
        self.id_rng = random.Random(f"ids:{plan.seed}")
        self.now = utcnow()
        self.out = _Writer()
        self.nodes: dict[str, dict] = {}  # scope key -> node row
        self.id_numbers: set[str] = set()
        self.invite_codes: set[str] = set()
        self.tag_counts: dict[str, int] = {}
        self.person_tag_counts: dict[str, int] = {}
        self.credit: dict[str, float] = {}
        self.scope_names: dict[str, list[str]] = {}
        self.first_households: dict[int, list] = {}  # first community's grid index -> [(household row, head)]

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.id_rng.getrandbits(128), version=4))

    def node(self, key, kind, name, parent=None, **extra) -> dict:
        node_id = self.new_id()
        row = {"id": node_id, "kind": kind, "parent_id": parent["id"] if parent else None,
               "path": (parent["path"] if parent else "/") + node_id + "/", "name": name, "code": None,
               "community_kind": None, "invite_code": None, "address": None, "notes": None,
               "created_at": self.now, "updated_at": self.now, "retired_at": None}
        row.update(extra)
        self.out.add("nodes", row)
        if key:
            self.nodes[key] = row
        return row

    def invite_code(self) -> str:
        while True:
            code = "".join(self.rng.choice(INVITE_ALPHABET) for _ in range(8))
            if code not in self.invite_codes:
                self.invite_codes.add(code)
                return code

    def run(self) -> None:
        plan = self.plan
        started = time.perf_counter()
        district = self.node("district", "district", plan.district, code="D01",
                             address=f"{plan.district}人民路1号")
        streets = {}
        for i, name in enumerate(plan.streets, 1):
            streets[name] = self.node(f"street:{name}", "street", name, district, code=f"S{i:02d}",
                                      address=f"{plan.district}{name.removesuffix('街道').removesuffix('镇')}路"
                                              f"{self.rng.randint(1, 200)}号")
        grid_number = 0
        for c_index, community in enumerate(plan.communities, 1):
            village = community.kind == "village"
            address = (f"{plan.district}{community.street}{community.name}" if village else
                       f"{plan.district}{community.name.removesuffix('社区')}路{self.rng.randint(1, 300)}号")
            c_row = self.node(f"community:{community.name}", "community", community.name, streets[community.street],
                              code=f"C{c_index:02d}", community_kind=community.kind,
                              invite_code=self.invite_code(), address=address)
            if village:
                self.node(f"station:{community.name}", "station", community.station, c_row,
                          address=f"{community.name}村委会院内")
            building_number = 0
            group_number = 0
            region = self.rng.choice(names.REGION_CODES)
            surnames = names.VILLAGE_SURNAMES if village else names.URBAN_SURNAMES
            for g_index, grid in enumerate(community.grids, 1):
                grid_number += 1
                g_row = self.node(f"grid:{community.name}:{g_index}", "grid", grid.name, c_row, code=grid.code)
                homes = []  # (address, building row)
                if village:
                    for count in split(grid.households, [1] * max(1, -(-grid.households // 45))):
                        group_number += 1
                        numbers = sorted(self.rng.sample(range(1, count * 2 + 1), count))
                        homes += [(f"{community.name}{group_number}组{n}号", None) for n in numbers]
                else:
                    for count in split(grid.households, [self.rng.uniform(0.8, 1.2) for _ in range(grid.buildings)]):
                        building_number += 1
                        b_row = self.node(None, "building", f"{building_number}号楼", g_row,
                                          address=f"{community.compound}{building_number}号楼")
                        homes += [(a, b_row) for a in _apartments(self.rng, community.compound, building_number,
                                                                  count)]
                self.grid_households(community, c_row, g_index, g_row, grid, homes, region, surnames)
            self.echo(f"  {community.street} {community.name}: {len(community.grids)} grids, "
                      f"{community.households} households, {community.residents} residents "
                      f"({time.perf_counter() - started:.1f} s)")
        self.out.flush()

    def grid_households(self, community, c_row, g_index, g_row, grid, homes, region, surnames) -> None:
        rng = self.rng
        n = grid.households
        alone = round(n * ELDERLY_ALONE_RATE + rng.uniform(-0.5, 0.5))
        alone = min(alone, (MAX_SIZE * n - grid.residents) // (MAX_SIZE - 1))  # the rest must still fit
        sizes = [(1, True)] * alone + [(s, False) for s in
                                       household_sizes(rng, n - alone, grid.residents - alone, community.kind)]
        rng.shuffle(sizes)
        encrypt, blind = sensitive.encrypt, sensitive.blind_index
        for (address, building), (size, elderly_alone) in zip(homes, sizes, strict=True):
            members = family(rng, size, surnames, elderly_alone)
            assert len(members) == size, (size, members)
            _name_family(rng, members)
            tags = _care_tags(rng, members, community.kind, elderly_alone, self.credit)
            household_id = self.new_id()
            head = members[0]
            phones = []
            resident_rows = []
            person_tags = []
            home_region = region if rng.random() < 0.8 else rng.choice(names.REGION_CODES)
            for member in members:
                number = self.id_number(home_region, member)
                phone = self.phone(member)
                phones.append(phone)
                resident_id = self.new_id()
                resident_rows.append({
                    "id": resident_id, "household_id": household_id, "grid_id": g_row["id"],
                    "community_id": c_row["id"], "version": 0, "field_meta": {},
                    "name": member.name, "gender": member.gender,
                    "birth_date": member.birth, "relation": member.relation, "id_number_enc": encrypt(number),
                    "id_number_hash": blind(number), "phone_enc": encrypt(phone), "notes": None,
                    "created_at": self.now, "updated_at": self.now, "retired_at": None, "retire_reason": None})
                for code in member.tags:
                    person_tags.append({"resident_id": resident_id, "tag_code": code})
                    self.person_tag_counts[code] = self.person_tag_counts.get(code, 0) + 1
            household_phone = next((p for p in phones if p), None)
            household = {
                "id": household_id, "grid_id": g_row["id"], "building_id": building["id"] if building else None,
                "community_id": c_row["id"], "address": address, "head_name": head.name,
                "member_count": len(members), "phone_enc": encrypt(household_phone), "notes": None,
                "version": 0, "field_meta": {},
                "created_at": self.now, "updated_at": self.now, "retired_at": None, "retire_reason": None}
            self.out.add("households", household)
            for row in resident_rows:
                self.out.add("residents", row)
            for code in sorted(tags):
                self.out.add("household_care_tags", {"household_id": household_id, "tag_code": code})
                self.tag_counts[code] = self.tag_counts.get(code, 0) + 1
            for row in person_tags:
                self.out.add("resident_care_tags", row)
                if row["tag_code"] in LEGAL_BASIS:  # a sensitive tag is held on a recorded basis
                    self.out.add("consents", {
                        "id": str(uuid.uuid4()), "resident_id": row["resident_id"], "household_id": None,
                        "purpose": "care_tag", "tag_code": row["tag_code"], "request_id": None,
                        "basis": "legal_duty", "given_by": "", "detail": LEGAL_BASIS[row["tag_code"]],
                        "recorded_by_id": None, "recorded_at": self.now, "withdrawn_at": None,
                        "withdrawn_by_id": None, "withdraw_reason": None})
            self.out.maybe_flush()
            if g_index <= 3 and community.name == self.plan.communities[0].name:
                self.first_households.setdefault(g_index, []).append((household, head))

    def id_number(self, region: str, member: Member) -> str:
        odd = 1 if member.gender == "M" else 0
        while True:
            number = names.id_number(region, member.birth, self.rng.randrange(500) * 2 + odd)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def phone(self, member: Member) -> str | None:
        chance = 0.0 if member.age < 14 else 0.6 if member.age < 18 else 0.95 if member.age < 60 else \
            0.7 if member.age < 75 else 0.35
        return names.mobile(self.rng) if self.rng.random() < chance else None

    def scope_name(self, key: str) -> str:
        if key.startswith("grid:"):
            _, community, _ = key.split(":")
            return f"{community} {self.nodes[key]['name']}"
        return self.nodes[key]["name"]

    def accounts(self) -> list[dict]:
        password_hash = hash_password(PASSWORD)  # once, shared by every demo account
        first_grid = self.first_households[1]
        home, head = next((h, m) for h, m in first_grid if h["member_count"] >= 2 and 25 <= m.age <= 60)
        users, scopes = [], []

        def user_row(username, display_name, role, **extra):
            row = {"id": self.new_id(), "username": username, "display_name": display_name,
                   "password_hash": password_hash, "role": role, "status": "active", "is_active": True,
                   "household_id": None, "community_id": None, "claimed_address": None, "phone": None,
                   "claimed_address_enc": None, "phone_enc": None,
                   "locale": None, "session_epoch": 0, "created_at": self.now, "last_sign_in_at": None}
            row.update(extra)
            users.append(row)
            return row

        community = self.nodes["community:幸福社区"]
        for username, display_name, role, keys in ACCOUNTS:
            extra = {}
            if role == "resident":
                display_name = head.name
                extra = {"household_id": home["id"], "community_id": home["community_id"]}
            elif role == "volunteer":
                extra = {"community_id": self.nodes[keys[0]]["id"]}
            row = user_row(username, display_name, role, **extra)
            scopes += [{"user_id": row["id"], "node_id": self.nodes[key]["id"]} for key in keys]
            self.scope_names[username] = [self.scope_name(key) for key in keys]
        for username, display_name, grid_index in PENDING:
            claimed, _ = self.rng.choice(self.first_households.get(grid_index) or first_grid)
            user_row(username, display_name, "resident", status="pending", community_id=community["id"],
                     claimed_address_enc=sensitive.encrypt(claimed["address"]),
                     phone_enc=sensitive.encrypt(names.mobile(self.rng)))
        db.session.execute(insert(User.__table__), users)
        db.session.execute(insert(user_scopes), scopes)
        return users


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Node.__table__))
                or db.session.scalar(select(func.count()).select_from(User.__table__)))


def wipe() -> None:
    """Empty every table; keep the request categories and the built-in care tags, drop the rest."""
    kept = ("care_tags", "request_categories")  # seeded by the migrations
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in kept]
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(delete(table))
    db.session.execute(delete(CareTag.__table__).where(CareTag.__table__.c.builtin.is_(False)))


def missing_tags() -> list[str]:
    present = set(db.session.scalars(select(CareTag.code).where(CareTag.code.in_(BUILTIN_TAGS))))
    return [code for code in BUILTIN_TAGS if code not in present]


@dataclass
class Summary:
    plan: Plan
    seconds: float
    counts: dict
    tag_counts: dict
    person_tag_counts: dict
    accounts: list
    scopes: dict
    invite_codes: dict
    fieldwork: dict = field(default_factory=dict)


def build(plan: Plan, echo=None, checkpoint=None) -> Summary:
    """Write the plan's city and the demo accounts, and count what is there.
    Never commits: `checkpoint` (the command passes `db.session.commit`) is
    called after the city and after each batch of an area's demo data, so a
    city-sized seed is several transactions; the caller commits the last."""
    checkpoint = checkpoint or (lambda: None)
    started = time.perf_counter()
    builder = _Builder(plan, echo)
    builder.run()
    users = builder.accounts()
    stamp_bulk_writes(db.session)
    db.session.flush()
    checkpoint()
    counts = {kind: n for kind, n in db.session.execute(
        select(Node.kind, func.count()).group_by(Node.kind))}
    counts["households"] = db.session.scalar(select(func.count()).select_from(Household.__table__))
    counts["residents"] = db.session.scalar(select(func.count()).select_from(Resident.__table__))
    counts["users"] = len(users)
    invite_codes = {row["name"]: row["invite_code"] for key, row in builder.nodes.items()
                    if key.startswith("community:")}
    field_counts = {}
    for area in current_app.extensions["linli.areas"]:  # each area's own demo data (backend/areas.py)
        if area.seed:
            field_counts.update(resolve(area.seed)(plan, echo, checkpoint))
    return Summary(plan=plan, seconds=time.perf_counter() - started, counts=counts,
                   tag_counts=dict(sorted(builder.tag_counts.items())),
                   person_tag_counts=dict(sorted(builder.person_tag_counts.items())), accounts=users,
                   scopes=builder.scope_names, invite_codes=invite_codes, fieldwork=field_counts)
