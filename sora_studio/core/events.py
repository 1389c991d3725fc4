"""The one observer mechanism of the core: models emit, views subscribe.

Qt-free on purpose. Handlers run synchronously in the emitting thread; the UI forwards to the GUI
thread itself where needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """A list of callables invoked in connection order with the emitted arguments."""

    __slots__ = ("_handlers", "_blocked")

    def __init__(self) -> None:
        self._handlers: list[Callable[..., Any]] = []
        self._blocked = 0

    def connect(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def disconnect(self, handler: Callable[..., Any]) -> None:
        try:
            self._handlers.remove(handler)
        except ValueError:
            pass

    def emit(self, *args: Any) -> None:
        if self._blocked:
            return
        for handler in list(self._handlers):
            handler(*args)

    def blocked(self) -> _Blocker:
        """Context manager that silences the signal (e.g. during a load)."""
        return _Blocker(self)

    def __len__(self) -> int:
        return len(self._handlers)


class _Blocker:
    def __init__(self, signal: Signal) -> None:
        self._signal = signal

    def __enter__(self) -> None:
        self._signal._blocked += 1

    def __exit__(self, *exc: object) -> None:
        self._signal._blocked -= 1
