"""The demo city's activities."""

from backend.activities import demo


def test_the_demo_hook_is_callable():
    assert callable(demo.seed)
