from tests.frontend.registry.conftest import browser  # noqa: F401  (the signed-in browser fixture)
