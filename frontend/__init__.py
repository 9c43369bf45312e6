"""Everything a person sees: htmx management pages, and (later) the field app shell."""


def register(app) -> None:
    from frontend.accounts.views import bp as accounts
    from frontend.auth.views import bp as auth
    from frontend.conflicts.views import bp as conflicts
    from frontend.fieldwork.views import bp as fieldwork
    from frontend.home import bp as home
    from frontend.open311.views import bp as open311
    from frontend.org.views import bp as org
    from frontend.pwa.views import bp as pwa
    from frontend.registry.views import bp as registry
    from frontend.requests.views import bp as requests_pages
    from frontend.workdays.views import bp as workday_pages

    for bp in (home, auth, org, registry, accounts, conflicts, pwa, fieldwork, open311, requests_pages,
               workday_pages):
        app.register_blueprint(bp)

    from frontend.labels import register as register_labels

    register_labels(app)
