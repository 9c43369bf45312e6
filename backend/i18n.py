"""Languages: Simplified Chinese by default, Traditional Chinese and English."""

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LABELS = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}

# Accept-Language tags mapped to our three locales.
_ALIASES = {
    "zh": "zh_Hans", "zh_cn": "zh_Hans", "zh_sg": "zh_Hans", "zh_hans": "zh_Hans",
    "zh_tw": "zh_Hant", "zh_hk": "zh_Hant", "zh_mo": "zh_Hant", "zh_hant": "zh_Hant",
    "en": "en",
}


def normalise(tag: str | None) -> str | None:
    if not tag:
        return None
    key = tag.replace("-", "_").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("zh_hant"):
        return "zh_Hant"
    if key.startswith("zh"):
        return "zh_Hans"
    if key.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    if not has_request_context():  # CLI commands, the sweep, tests of services: the default locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = normalise(session.get("lang"))
    if chosen:
        return chosen
    if getattr(current_user, "is_authenticated", False) and normalise(current_user.locale):
        return normalise(current_user.locale)
    for tag, _quality in request.accept_languages:
        found = normalise(tag)
        if found:
            return found
    return current_app.config["BABEL_DEFAULT_LOCALE"]
