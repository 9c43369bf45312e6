"""The demo city `flask seed-demo` builds, seeded once for this module: these
tests only read it (tests/backend/seed/test_cli.py covers the command's
refusals and reset, test_plans.py beside this file the generators)."""

import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from backend import clock
from backend.accounts.services import pending_registrations
from backend.auth import policy
from backend.auth.models import User
from backend.extensions import db
from backend.org.models import Node
from backend.registry import sensitive
from backend.registry.models import Consent, Household, Resident, household_care_tags, resident_care_tags
from backend.seed import names
from tests.backend.seed.seeding import SIGN_IN_ACCOUNTS, nodes, one, seeded, tagged_households
from tests.factories import empty_database

# The city outlives each test; the module empties the database when it is done.
SHARED = pytest.mark.shared_database


@pytest.fixture(scope="module")
def city(app):
    """The output of one `seed-demo` run on an empty database."""
    with app.app_context():
        empty_database()
        result = seeded(app)
    yield result
    with app.app_context():
        empty_database()


@SHARED
def test_builds_the_demo_city(ctx, city):
    result = city
    assert "demo-pass-2026" in result.output and "600 households" in result.output

    (district,) = nodes("district")
    assert district.name == "临河区"
    streets = {s.name: s for s in nodes("street")}
    assert set(streets) == {"东城街道", "西郊街道"}
    communities = {c.name: c for c in nodes("community")}
    assert {name: (c.community_kind, c.parent_id) for name, c in communities.items()} == {
        "幸福社区": ("urban", streets["东城街道"].id), "和平社区": ("urban", streets["东城街道"].id),
        "阳光社区": ("urban", streets["西郊街道"].id), "柳树村": ("village", streets["西郊街道"].id)}
    assert all(c.invite_code for c in communities.values())
    (station,) = nodes("station")
    assert (station.name, station.parent_id) == ("柳树村综合服务站", communities["柳树村"].id)

    grids = nodes("grid")
    assert len(grids) >= 12
    assert {g.name for g in nodes("grid", parent_id=communities["幸福社区"].id)} >= {"第一网格", "第二网格"}
    assert all(re.fullmatch(r"G\d{2}", g.code) for g in grids)
    for grid in grids:
        buildings = nodes("building", parent_id=grid.id)
        if grid.parent_id == communities["柳树村"].id:
            assert buildings == []
        else:
            assert 3 <= len(buildings) <= 6
            assert all(re.fullmatch(r"\d+号楼", b.name) for b in buildings)
    for record in nodes("grid") + nodes("building") + nodes("station") + list(communities.values()):
        parent = db.session.get(Node, record.parent_id)
        assert record.path == parent.path + record.id + "/"

    households = db.session.scalars(select(Household)).all()
    assert 550 <= len(households) <= 650
    residents = db.session.scalar(select(func.count(Resident.id)))
    assert 1400 <= residents <= 1600
    grid_parent = {g.id: g.parent_id for g in grids}
    building_parent = {b.id: b.parent_id for b in nodes("building")}
    urban = re.compile(r"(幸福|和平|阳光)小区(\d+)号楼\d单元\d{3,4}")
    village = re.compile(r"柳树村\d+组\d+号")
    for household in households:
        assert household.community_id == grid_parent[household.grid_id]
        if household.community_id == communities["柳树村"].id:
            assert household.building_id is None and village.fullmatch(household.address)
        else:
            match = urban.fullmatch(household.address)
            assert match and building_parent[household.building_id] == household.grid_id
            assert db.session.get(Node, household.building_id).name == match.group(2) + "号楼"
    assert len({h.address for h in households}) == len(households)


@SHARED
def test_households_and_residents_are_consistent(ctx, city):
    counted = dict(db.session.execute(select(Resident.household_id, func.count())
                                      .group_by(Resident.household_id)).all())
    stored = dict(db.session.execute(select(Household.id, Household.member_count)).all())
    assert counted == stored
    heads = db.session.execute(select(Resident.household_id, Resident.name).where(Resident.relation == "户主")).all()
    assert len(heads) == len(stored)  # one head per household
    head_names = dict(db.session.execute(select(Household.id, Household.head_name)).all())
    assert {hid: name for hid, name in heads} == head_names

    people = db.session.scalars(select(Resident)).all()
    relations = Counter(r.relation for r in people)
    assert set(relations) <= {"户主", "配偶", "子女", "父母", "儿媳", "女婿", "孙子女"}
    assert relations["配偶"] > 200 and relations["子女"] > 200 and relations["孙子女"] > 0
    surnames = {s for s, _ in names.SURNAMES} | {s for s, _ in names.VILLAGE_CLANS}
    for person in people:
        assert person.gender in ("M", "F")
        assert 2 <= len(person.name) <= 3 and person.name[0] in surnames
        assert person.birth_date < clock.today()
    # Common surnames dominate; names are not all different but not all the same either.
    top = Counter(p.name[0] for p in people).most_common(3)
    assert {s for s, _ in top} <= {"王", "李", "张", "刘", "陈"}
    assert len({p.name for p in people}) > len(people) * 0.6


@SHARED
def test_id_numbers_and_phones_are_encrypted_and_plausible(ctx, city):
    people = db.session.scalars(select(Resident)).all()
    seen = set()
    for person in people:
        number = sensitive.decrypt(person.id_number_enc)
        assert number not in person.id_number_enc  # stored encrypted, not in clear
        assert names.valid_id_number(number), number
        assert number[:6] in names.REGION_CODES
        assert number[6:14] == person.birth_date.strftime("%Y%m%d")
        assert int(number[16]) % 2 == (1 if person.gender == "M" else 0)
        assert person.id_number_hash == sensitive.blind_index(number)
        seen.add(number)
        if person.phone_enc:
            assert re.fullmatch(r"1[3-9]\d{9}", sensitive.decrypt(person.phone_enc))
    assert len(seen) == len(people)
    with_phone = [p for p in people if p.phone_enc]
    assert 0.5 * len(people) < len(with_phone) < len(people)
    children = [p for p in people if (date(2026, 1, 1) - p.birth_date).days < 13 * 365]
    assert children and not any(p.phone_enc for p in children)
    assert db.session.scalar(select(func.count(Household.id)).where(Household.phone_enc.is_not(None))) > 500


@SHARED
def test_care_tags_in_realistic_proportions(ctx, city):
    total = db.session.scalar(select(func.count(Household.id)))
    village = one("community", "柳树村")
    assert 0.04 * total <= tagged_households("elderly_alone") <= 0.06 * total
    alone = db.session.scalars(select(Household).join(household_care_tags).where(
        household_care_tags.c.tag_code == "elderly_alone")).all()
    for household in alone:
        (person,) = household.residents
        assert household.member_count == 1 and person.birth_date.year <= 1960
        assert "elderly_alone" in [t.code for t in person.care_tags]
    assert 0.015 * total <= tagged_households("disabled") <= 0.05 * total
    assert 0.025 * total <= tagged_households("dibao") <= 0.06 * total
    for code in ("left_behind_child", "left_behind_woman", "left_behind_elder"):
        rows = db.session.execute(select(Household.community_id).join(household_care_tags).where(
            household_care_tags.c.tag_code == code)).scalars().all()
        assert rows and sum(c == village.id for c in rows) > len(rows) / 2, code
    for code in ("community_correction", "rehabilitation"):
        people = db.session.scalar(select(func.count()).select_from(resident_care_tags)
                                   .where(resident_care_tags.c.tag_code == code))
        assert 1 <= people <= 6, code
        assert tagged_households(code) == 0  # sensitive: on the person, not the household
        held = db.session.scalars(select(Consent.resident_id).where(
            Consent.tag_code == code, Consent.basis == "legal_duty", Consent.withdrawn_at.is_(None))).all()
        tagged = db.session.scalars(select(resident_care_tags.c.resident_id)
                                    .where(resident_care_tags.c.tag_code == code)).all()
        assert sorted(held) == sorted(tagged), code  # each held on a recorded basis, shown on the person's page


@SHARED
def test_every_demo_account_signs_in_with_the_documented_password(ctx, city, auth):
    result = city
    display = dict(db.session.execute(select(User.username, User.display_name)).all())
    for username in SIGN_IN_ACCOUNTS:
        assert username in result.output
        auth.login(username, "demo-pass-2026")
        home = auth.client.get("/", follow_redirects=True)
        html = home.get_data(as_text=True)
        assert home.status_code == 200 and display[username] in html, username
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        assert auth.client.post("/sign-out", data={"csrf_token": token}).status_code == 302
        assert auth.client.get("/").status_code == 302  # signed out again
    hashes = set(db.session.scalars(select(User.password_hash)))
    assert len(hashes) == 1  # hashed once and reused


@SHARED
def test_demo_accounts_have_the_documented_scopes(ctx, city):
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,5}", u.display_name) for u in users.values())
    assert users["staff1"].display_name == "王芳"
    scope = {name: [(n.kind, n.name) for n in u.scope_nodes] for name, u in users.items()}
    assert scope["district1"] == [("district", "临河区")]
    assert scope["street1"] == [("street", "东城街道")] and scope["street2"] == [("street", "西郊街道")]
    assert [scope[f"staff{i}"] for i in range(1, 5)] == [
        [("community", "幸福社区")], [("community", "和平社区")], [("community", "阳光社区")],
        [("community", "柳树村")]]
    assert scope["station1"] == [("station", "柳树村综合服务站")]
    assert {u.role for u in users.values()} == set(policy.SCOPE_KINDS_FOR_ROLE)

    happy = one("community", "幸福社区")
    (grid1,) = users["worker1"].scope_nodes
    (grid2,) = users["worker2"].scope_nodes
    assert grid1.id != grid2.id and grid1.parent_id == grid2.parent_id == happy.id
    assert (grid1.name, grid2.name) == ("第一网格", "第二网格")
    peace_grids = users["worker3"].scope_nodes
    assert len(peace_grids) == 2 and {g.parent_id for g in peace_grids} == {one("community", "和平社区").id}

    resident = users["resident1"]
    home = resident.household
    assert (resident.role, resident.status) == ("resident", "active")
    assert home.grid_id == grid1.id and resident.community_id == happy.id
    assert resident.display_name in [r.name for r in home.residents]
    assert policy.can(users["worker1"], policy.READ, home)
    assert not policy.can(users["worker2"], policy.READ, home)
    assert policy.can(resident, policy.READ, home)

    volunteer = users["volunteer1"]
    assert volunteer.role == "volunteer" and volunteer.community_id == happy.id

    pending = [u for u in users.values() if u.status == "pending"]
    assert len(pending) == 2
    for user in pending:
        assert user.role == "resident" and user.community_id == happy.id and user.claimed_address
        assert user.household_id is None
    assert {u.username for u in pending_registrations(users["staff1"])} == {u.username for u in pending}
    assert pending_registrations(users["staff2"]) == []


@SHARED
def test_every_community_has_a_dispatch_catalogue_of_its_streets_departments(ctx, city):
    from backend.requests import services
    from backend.requests.models import CatalogueEntry

    communities = nodes("community")
    assert communities
    for community in communities:
        entries = {c.code: e for c, e in services.dispatch_catalogue_of(db.session, community) if e is not None}
        assert set(entries) == {"environment", "facilities", "safety"}, community.name
        serving = {d.id: d for d in services.departments_serving(db.session, community)}
        assert all(e.department_id in serving and serving[e.department_id].node_id == community.parent_id
                   for e in entries.values()), community.name
    assert db.session.scalar(select(func.count()).select_from(CatalogueEntry)) == 3 * len(communities)
