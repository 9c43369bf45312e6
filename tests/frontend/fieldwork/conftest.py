from tests.sync.conftest import device  # noqa: F401  (a device speaking the sync protocol)
