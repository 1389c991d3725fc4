"""Work around a PySide6 6.12.0 bug on Python 3.11: every call of a void Qt method drops one reference to
None (found here: `widget.update()` x1000 lowers sys.getrefcount(None) by 1000), so after a few thousand
calls Python aborts with "none_dealloc: deallocating None". Python 3.12+ is immune (None is immortal) and
PySide6 6.11.3 is fine; the project pins PySide6 < 6.12 for Python 3.11. This guard detects the leak at
start-up and, only then, gives None a reference count no session can exhaust.
"""

from __future__ import annotations

import ctypes
import sys

PROBE_CALLS = 256


def none_refcount_leaks() -> bool:
    """True when void PySide6 calls lose references to None (the 6.12.0 / Python 3.11 bug)."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(PROBE_CALLS):
        probe.setObjectName("probe")  # a void method
    return before - sys.getrefcount(None) > PROBE_CALLS // 2


def guard_none_refcount() -> bool:
    """Apply the workaround when needed; returns True when it was applied."""
    if not none_refcount_leaks():
        return False
    counter = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is the first field of every object
    counter.value += 1 << 40
    return True
