"""Everything a person sees: htmx management pages and the field app's shell.

Each area names its page blueprints and navigation entries in its
declaration (backend/areas.py); `register` adds them."""

from flask import url_for


def register(app, areas) -> None:
    from backend.areas import resolve, resolve_all
    from frontend.home import bp as home

    app.register_blueprint(home)
    for bp in resolve_all(areas, "pages"):
        app.register_blueprint(bp)

    from frontend.labels import register as register_labels

    register_labels(app)
    entries = sorted((entry for area in areas for entry in area.nav), key=lambda entry: entry.order)
    badges = {entry.badge: resolve(entry.badge) for entry in entries if entry.badge}

    @app.context_processor
    def _navigation():
        def navigation(user):
            """The top navigation's links this user sees: (entry, its URL, its count or None)."""
            role = getattr(user, "role", None)
            return [(entry, url_for(entry.endpoint), badges[entry.badge](user) if entry.badge else None)
                    for entry in entries if role in entry.roles]

        return {"navigation": navigation}
