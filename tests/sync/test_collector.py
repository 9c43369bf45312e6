"""The pause of the cyclic garbage collector while a pull or push is built
leaves the collector as it found it, and resumes it after the last of
overlapping holders."""

import gc

import pytest

from sync.collector import CyclePause


def test_a_pull_leaves_the_cycle_collector_as_it_found_it(world, device):
    phone = device("worker1")
    assert gc.isenabled()
    phone.pull()
    assert gc.isenabled() and phone.records
    gc.disable()
    try:
        phone.pull()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pulls_resume_the_collector_after_the_last():
    pause, other = CyclePause(), CyclePause()
    with pause:
        assert not gc.isenabled()
        with pause:
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), pause:
        raise RuntimeError("a pull that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with other:
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
