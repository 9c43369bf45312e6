"""Display names of roles, node kinds and other codes, translated."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "district_officer": _l("District officer"),
    "street_officer": _l("Street officer"),
    "community_staff": _l("Community staff"),
    "grid_worker": _l("Grid worker"),
    "station_operator": _l("Station operator"),
    "resident": _l("Resident"),
    "volunteer": _l("Volunteer"),
}

KIND_LABELS = {
    "district": _l("District"),
    "street": _l("Street"),
    "community": _l("Community"),
    "village": _l("Village"),
    "grid": _l("Grid"),
    "building": _l("Building"),
    "station": _l("Rural service station"),
}

COMMUNITY_KIND_LABELS = {"urban": _l("Urban community"), "village": _l("Village")}
GENDER_LABELS = {"M": _l("Male"), "F": _l("Female")}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def kind_label(node_or_kind) -> str:
    kind = getattr(node_or_kind, "kind", node_or_kind)
    if kind == "community" and getattr(node_or_kind, "community_kind", None) == "village":
        kind = "village"
    return str(KIND_LABELS.get(kind, kind))


def register(app) -> None:
    from flask_babel import get_locale

    def tag_label(tag) -> str:
        return tag.label(str(get_locale()))

    app.jinja_env.globals.update(role_label=role_label, kind_label=kind_label, tag_label=tag_label,
                                 GENDER_LABELS=GENDER_LABELS, COMMUNITY_KIND_LABELS=COMMUNITY_KIND_LABELS)
