"""Many calls leak neither memory nor the library's evaluators and
results."""

import gc
import os

import zsadbench
from zsadbench import _lib

from .data import category


def rss():
    """Resident memory of this process, in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_no_leak():
    maps, masks = category(seed=4, n=16, h=64, w=64, normal=5)
    per_call = maps.nbytes + masks.nbytes  # what each evaluator copies

    def calls(k):
        for i in range(k):
            zsadbench.evaluate(maps, masks, curves=i % 2 == 0)
            ev = zsadbench.Evaluator(curves=True)
            ev.update(maps, masks)
            ev.update(maps[::-1], masks[::-1], category="other")
            ev.compute()
            if i % 2:
                ev.close()
            else:
                del ev  # freed when collected

    calls(10)
    gc.collect()
    before = rss()
    k = 100
    calls(k)
    gc.collect()
    grown = rss() - before
    # Keeping each call's copies would grow by k * 2 * per_call (62 MiB).
    assert grown < k * 2 * per_call / 8, f"resident memory grew by {grown / 2**20:.1f} MiB over {k} calls"
    assert _lib.lib().zsad_open() == 0
