from tests.sync.conftest import device  # noqa: F401 - the protocol-speaking Device, as a fixture
