"""Languages: Simplified Chinese by default, switchable, Traditional Chinese from
the browser. (Times shown in Asia/Shanghai: the filter is create_app's, in
tests/backend/test_init.py.)"""

import re

import pytest

from backend.extensions import db
from backend.i18n import normalise


def _lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:200]
    return match.group(1)


def test_default_is_simplified_chinese(client):
    response = client.get("/sign-in")
    assert _lang(response) == "zh-Hans"
    assert 'value="zh_Hans" selected' in response.get_data(as_text=True)


def test_lang_parameter_switches_and_is_remembered(client):
    assert _lang(client.get("/sign-in?lang=en")) == "en"
    response = client.get("/sign-in")
    assert _lang(response) == "en"
    assert "Sign in to Linli" in response.get_data(as_text=True)
    assert _lang(client.get("/sign-in?lang=zh_Hant")) == "zh-Hant"
    assert _lang(client.get("/sign-in", headers={"Accept-Language": "en"})) == "zh-Hant"  # the choice wins
    assert _lang(client.get("/sign-in?lang=klingon")) == "zh-Hant"  # unknown: ignored


def test_browser_language_decides_without_a_choice(client):
    assert _lang(client.get("/sign-in", headers={"Accept-Language": "zh-TW,zh;q=0.8"})) == "zh-Hant"
    assert _lang(client.get("/sign-in", headers={"Accept-Language": "zh-HK"})) == "zh-Hant"
    assert _lang(client.get("/sign-in", headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert _lang(client.get("/sign-in", headers={"Accept-Language": "zh-CN"})) == "zh-Hans"
    assert _lang(client.get("/sign-in", headers={"Accept-Language": "fr-FR"})) == "zh-Hans"


def test_accept_language_zh_tw_selects_zh_hant(app):
    from flask_babel import get_locale

    with app.test_request_context("/", headers={"Accept-Language": "zh-TW"}):
        assert str(get_locale()) == "zh_Hant"


@pytest.mark.parametrize(("tag", "locale"), [
    ("zh-CN", "zh_Hans"), ("zh", "zh_Hans"), ("zh-Hans-SG", "zh_Hans"), ("ZH_TW", "zh_Hant"), ("zh-HK", "zh_Hant"),
    ("zh-Hant-CN", "zh_Hant"), ("en-GB", "en"), ("en", "en"), ("fr", None), ("", None), (None, None)])
def test_language_tags_map_to_the_three_locales(tag, locale):
    assert normalise(tag) == locale


def test_a_signed_in_persons_language_beats_the_browsers(world, auth, client):
    world.staff1.locale = "en"
    db.session.commit()
    auth.login("staff1")
    assert _lang(client.get("/", headers={"Accept-Language": "zh-TW"}, follow_redirects=True)) == "en"
    client.get("/?lang=zh_Hant")  # a choice in this session beats both
    assert _lang(client.get("/", follow_redirects=True)) == "zh-Hant"
