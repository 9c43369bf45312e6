"""The signal sharing sends when a help exchange is confirmed (issue 13's contract, section 2)."""

from backend.sharing.signals import help_confirmed


def test_the_signal_has_the_contracts_name_and_points_listens():
    import backend.points.earning  # noqa: F401  (connects its receiver at import)

    assert help_confirmed.name == "linli.sharing.help-confirmed"
    assert help_confirmed.receivers
