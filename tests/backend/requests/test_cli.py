"""The requests' command (backend/requests/cli.py): `requests-sweep` sweeps and commits, and says what it did."""

from tests.backend.requests.conftest import raise_request


def test_the_sweep_command_runs(world, app):
    raise_request(world)
    result = app.test_cli_runner().invoke(args=["requests-sweep"])
    assert result.exit_code == 0, result.output
    assert "escalated automatically" in result.output
