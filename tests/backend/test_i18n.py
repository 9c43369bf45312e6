"""Languages: Simplified Chinese by default, switchable, Traditional Chinese from
the browser; times shown in Asia/Shanghai, stored in UTC."""

import re
from datetime import datetime

from flask import render_template_string


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


def test_times_display_in_shanghai(app):
    stored = datetime(2026, 1, 1, 0, 0)  # naive UTC, as stored
    with app.test_request_context("/"):
        assert render_template_string("{{ when|local_time }}", when=stored) == "2026-01-01 08:00"
        assert render_template_string("{{ when|local_time }}", when=datetime(2026, 6, 30, 16, 30)) == \
            "2026-07-01 00:30"
        assert render_template_string("{{ when|local_time }}", when=None) == ""
