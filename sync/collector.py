"""The cyclic garbage collector, held off while the sync engine builds a big answer."""

import gc
import threading


class CyclePause:
    """`with cycle_collection_paused:` holds off Python's cyclic garbage
    collector while a pull page or a push is built. A page is some 10,000 new
    dicts and lists with no reference cycle among them (reference counting
    frees every one), a push of 500 visits about as many; making them set off
    a dozen collections that could find nothing, 1 to 2 ms of a page of 15.
    The collector is back as soon as the last pull or push under way in the
    process is done (threaded workers may overlap), and collects then
    whatever cycles were made meanwhile. It stays off if it was off already."""

    def __init__(self):
        self._lock = threading.Lock()
        self._holders = 0
        self._resume = False

    def __enter__(self):
        with self._lock:
            if self._holders == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._holders += 1

    def __exit__(self, *_exc):
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._resume:
                gc.enable()


cycle_collection_paused = CyclePause()
