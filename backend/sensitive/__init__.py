"""Sensitive personal fields: the keyring that encrypts them at rest (keys.py),
the masks every screen shows (masks.py), and the commands that rotate the
field key and rebuild the blind index (cli.py). Below every area: the account
tables, the registry and requests all encrypt with it."""

from backend.areas import Area

AREA = Area(
    name="sensitive",
    cli=("backend.sensitive.cli:rotate_field_key_command", "backend.sensitive.cli:rebuild_blind_index_command"),
)
