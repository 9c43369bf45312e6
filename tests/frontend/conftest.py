import pytest


@pytest.fixture
def english(client):
    """The test's client, reading English: assertions read the English msgids."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
