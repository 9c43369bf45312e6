from tests.backend.rooms.conftest import rooms  # noqa: F401  (the rooms of C1)
from tests.frontend.registry.conftest import browser  # noqa: F401  (the signed-in browser fixture)
