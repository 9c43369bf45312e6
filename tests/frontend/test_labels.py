"""Display names of roles, node kinds and care tags (frontend/labels.py), in the reader's language."""

from contextlib import contextmanager

import pytest
from flask_babel import refresh

from backend.auth.models import ROLES
from backend.extensions import db
from backend.org.models import KINDS
from backend.registry.models import CareTag
from frontend.labels import KIND_LABELS, ROLE_LABELS, kind_label, role_label


@contextmanager
def _in(app, language):
    """A request in `language` (Flask-Babel keeps the locale it chose on the application context,
    which a test holding one shares with each request it opens: forget it)."""
    with app.test_request_context("/", headers={"Accept-Language": language}):
        refresh()
        yield


def test_every_role_and_node_kind_has_a_label():
    assert set(ROLES) <= set(ROLE_LABELS)
    assert set(KINDS) <= set(KIND_LABELS)


@pytest.mark.parametrize(("language", "expected"), [("zh-CN", "网格员"), ("zh-TW", "網格員"), ("en", "Grid worker")])
def test_a_role_is_named_in_the_readers_language(app, language, expected):
    with _in(app, language):
        assert role_label("grid_worker") == expected


def test_an_unknown_code_is_shown_as_it_is(app):
    with _in(app, "en"):
        assert role_label("astronaut") == "astronaut"
        assert kind_label("moon") == "moon"


def test_a_village_is_named_a_village_and_other_nodes_by_their_kind(world, app):
    with _in(app, "en"):
        assert kind_label(world.V1) == "Village"  # a community of community_kind "village"
        assert kind_label(world.C1) == "Community"
        assert kind_label(world.ST1) == "Rural service station"
        assert kind_label("community") == "Community"  # a kind by its code
        assert kind_label("village") == "Village"
    with _in(app, "zh-CN"):
        assert kind_label(world.V1) == "村" and kind_label(world.C1) == "社区"


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-CN", "独居老人|系统管理员|网格|女"), ("zh-TW", "獨居老人|系統管理員|網格|女"),
    ("en", "Elderly living alone|Administrator|Grid|Female")])
def test_templates_name_tags_roles_kinds_and_genders_in_the_readers_language(ctx, app, language, expected):
    tag = db.session.get(CareTag, "elderly_alone")  # built in, from the migrations
    template = app.jinja_env.from_string(
        "{{ tag_label(tag) }}|{{ role_label('admin') }}|{{ kind_label('grid') }}|{{ GENDER_LABELS['F'] }}")
    with _in(app, language):
        assert template.render(tag=tag) == expected
