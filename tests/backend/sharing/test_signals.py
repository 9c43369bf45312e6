"""The help_confirmed signal is the contract's (issue 13, section 2): one named signal of a
blinker namespace, which points listens to."""

from blinker import NamedSignal

from backend.sharing import signals


def test_the_signal_is_named_as_the_contract_says():
    assert isinstance(signals.help_confirmed, NamedSignal)
    assert signals.help_confirmed.name == "linli.sharing.help-confirmed"
    assert signals.signals.signal("linli.sharing.help-confirmed") is signals.help_confirmed


def test_points_listens():
    import backend.points.earning  # noqa: F401  (connects its receiver at import)

    assert signals.help_confirmed.receivers
