"""The scope matrix, written out by hand from the rules in backend/auth/policy.py
(and PRODUCT.md): who may do what to which record of the test world.

Columns are the eight roles (one account of each in tests/factories.py);
rows are records of every kind. A cell lists the verbs allowed, one letter
each: r = read, c = change, t = retire, v = reveal, m = manage. "-" means
nothing is allowed. Every verb not listed is denied.

Rules the table encodes:
- Staff read their area (the subtree of their scope node) and its ancestors;
  a station operator's area is the village (or street) the station serves.
- Node kinds changed by role: admin all; district officer street and below;
  street officer community and below; community staff grid, building, station.
- Registry: street and district officers read only; community staff, grid
  workers and station operators keep it (change, reveal); retiring households
  and residents is for community staff, station operators and admin.
- Residents read only their own household and its residents; volunteers see
  no registry.
- Accounts: a manager (admin, district, street, community staff) manages
  lower-ranked accounts whose whole scope lies in the manager's area; everyone
  reads their own account and manages nobody's but those.
- Devices: one's own, or those of an account one manages.
"""

ACTORS = ("admin", "district", "street1", "staff1", "worker1", "station1", "resident1", "volunteer1")

MATRIX = """
record        admin  district  street1  staff1  worker1  station1  resident1  volunteer1
D             rct    r         r        r       r        r         -          r
S1            rct    rct       r        r       r        -         -          r
S2            rct    rct       -        -       -        r         -          -
C1            rct    rct       rct      r       r        -         -          r
C2            rct    rct       rct      -       -        -         -          -
V1            rct    rct       -        -       -        r         -          -
G1            rct    rct       rct      rct     r        -         -          r
G2            rct    rct       rct      rct     -        -         -          r
G5            rct    rct       rct      -       -        -         -          -
G3            rct    rct       -        -       -        r         -          -
B1            rct    rct       rct      rct     r        -         -          r
ST1           rct    rct       -        -       -        r         -          -
H1            rctv   r         r        rctv    rcv      -         r          -
H2            rctv   r         r        rctv    -        -         -          -
H5            rctv   r         r        -       -        -         -          -
H3            rctv   r         -        -       -        rctv      -          -
R1            rctv   r         r        rctv    rcv      -         r          -
R2            rctv   r         r        rctv    -        -         -          -
R5            rctv   r         r        -       -        -         -          -
R3            rctv   r         -        -       -        rctv      -          -
u:admin       r      -         -        -       -        -         -          -
u:district    rm     r         -        -       -        -         -          -
u:street1     rm     rm        r        -       -        -         -          -
u:street2     rm     rm        -        -       -        -         -          -
u:staff1      rm     rm        rm       r       -        -         -          -
u:staff2      rm     rm        rm       -       -        -         -          -
u:worker1     rm     rm        rm       rm      r        -         -          -
u:worker2     rm     rm        rm       rm      -        -         -          -
u:station1    rm     rm        -        -       -        r         -          -
u:resident1   rm     rm        rm       rm      -        -         r          -
u:volunteer1  rm     rm        rm       rm      -        -         -          r
d:worker1     rm     rm        rm       rm      rm       -         -          -
d:staff2      rm     rm        rm       -       -        -         -          -
d:station1    rm     rm        -        -       -        rm        -          -
d:resident1   rm     rm        rm       rm      -        -         rm         -
"""

VERBS = {"r": "read", "c": "change", "t": "retire", "v": "reveal", "m": "manage"}


def _parse():
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert tuple(header[1:]) == ACTORS
    table = {}
    for row in rows:
        assert len(row) == len(header), row
        for actor, cell in zip(ACTORS, row[1:], strict=True):
            assert set(cell) <= set(VERBS) | {"-"}, cell
            table[(actor, row[0])] = {VERBS[letter] for letter in cell if letter != "-"}
    return table


EXPECTED = _parse()
RECORDS = tuple(line.split()[0] for line in MATRIX.strip().splitlines()[1:])
CELLS = sorted(EXPECTED, key=lambda key: (ACTORS.index(key[0]), RECORDS.index(key[1])))


def allowed(actor: str, record: str) -> set[str]:
    return EXPECTED[(actor, record)]


def records_of(prefix_kind: str) -> list[str]:
    """Record keys of one kind: 'node', 'household', 'resident', 'user', 'device'."""
    def kind(key):
        if key.startswith("u:"):
            return "user"
        if key.startswith("d:"):
            return "device"
        return {"H": "household", "R": "resident"}.get(key[0], "node")

    return [key for key in RECORDS if kind(key) == prefix_kind]
