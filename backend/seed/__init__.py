"""The demo city: `seed-demo` builds places, households and accounts, then runs each area's seed hook."""

from backend.areas import Area

AREA = Area(name="seed", cli=("backend.seed.cli:seed_demo_command",))
