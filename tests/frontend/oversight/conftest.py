from tests.frontend.accounts.conftest import browser, fresh  # noqa: F401  (the same signed-in clients)
