"""Every user-visible text has its Simplified and Traditional Chinese
translation, and the catalogs are up to date with the source."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "backend" / "translations"


def _catalog(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def _source_msgids(tmp_path):
    pot = tmp_path / "fresh.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), "--no-location", "--omit-header", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_every_source_text_is_in_each_catalog(tmp_path):
    source = _source_msgids(tmp_path)
    assert source, "no translatable text found"
    for locale in ("zh_Hans", "zh_Hant", "en"):
        catalog_ids = {message.id for message in _catalog(locale) if message.id}
        missing = sorted(map(str, source - catalog_ids))[:10]
        assert not missing, f"{locale}: run scripts/i18n.sh; not in the catalog: {missing}"


def test_chinese_catalogs_are_complete():
    for locale in ("zh_Hans", "zh_Hant"):
        untranslated = [m.id for m in _catalog(locale) if m.id and (not m.string or (
            isinstance(m.string, tuple) and not all(m.string)))]
        fuzzy = [m.id for m in _catalog(locale) if m.id and m.fuzzy]
        assert not untranslated, f"{locale}: untranslated: {untranslated[:10]}"
        assert not fuzzy, f"{locale}: fuzzy: {fuzzy[:10]}"


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\((\w+)\)s")
    for locale in ("zh_Hans", "zh_Hant", "en"):
        for message in _catalog(locale):
            if not message.id or not message.string:
                continue
            source = message.id if isinstance(message.id, str) else message.id[0]
            target = message.string if isinstance(message.string, str) else message.string[0]
            assert set(pattern.findall(source)) == set(pattern.findall(target)), (locale, source, target)
