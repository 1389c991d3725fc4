"""Cooperative cancellation shared by every long operation (export, proxies, generation, enrollment).

A token is handed to the work; the work checks it at safe points and stops by raising `Cancelled`, so the
caller's cleanup (temp-file removal, rollback) runs through the ordinary exception path. Thread-safe:
the GUI thread cancels while a worker thread checks.
"""

from __future__ import annotations

import threading

from sora_studio.errors import Cancelled


class CancelToken:
    """Set once by whoever wants the work to stop; checked by the work."""

    __slots__ = ("_event", "_reason")

    def __init__(self) -> None:
        self._event = threading.Event()
        self._reason = "cancelled by the user"

    def cancel(self, reason: str | None = None) -> None:
        """Ask the work to stop (idempotent; the first reason is kept)."""
        if not self._event.is_set():
            if reason:
                self._reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    @property
    def reason(self) -> str:
        return self._reason

    def raise_if_cancelled(self) -> None:
        """Raise errors.Cancelled when cancel() has been called; call this at safe points in a loop."""
        if self._event.is_set():
            raise Cancelled(self._reason)

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until cancelled or the timeout passes; True when cancelled (handy for polling loops)."""
        return self._event.wait(timeout)


def check(token: CancelToken | None) -> None:
    """raise_if_cancelled for an optional token."""
    if token is not None:
        token.raise_if_cancelled()
