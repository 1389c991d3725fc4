"""The whole-programme side of the master, measured in the background for playback.

Loudness normalisation is one gain for the whole programme and ducking follows a key that may start long
before the range being played, so playback cannot work them out from the block it is about to play. A
`ProgrammeAnalyser` renders the master once in a background thread (the export's own `render_mix`) and
keeps what playback needs: the loudness gain and the ducking levels (100 numbers a second). Results are
cached by a fingerprint of what the mix depends on, so an edit invalidates them and an undo finds them again.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from sora_studio.core.audio.mixdown import MixSettings, Resolver, render_mix
from sora_studio.core.timeline.model import Timeline

DEBOUNCE_S = 0.3  # wait for a drag (gain slider, clip move) to settle before measuring
CACHE_SIZE = 8
MAX_MEASURED_S = 20 * 60  # longer programmes would hold GBs of stems in memory: preview them un-normalised


@dataclass(frozen=True)
class ProgrammeLevels:
    """What playback needs from the whole programme to play any range as the export renders it."""

    gain_db: float  # loudness normalisation gain (0 when there is no target or only silence)
    duck_levels: np.ndarray | None  # ducking level per 10 ms window (None: nothing is ducked)
    loudness_in: float  # LUFS before normalisation (-inf: silence)


def programme_fingerprint(timeline: Timeline, settings: MixSettings) -> str:
    """A digest of everything the master depends on: audio tracks and their clips, length, rate, settings."""
    data = {
        "rate": str(timeline.rate), "duration": timeline.duration, "settings": repr(settings),
        "audio": [track for track in timeline.snapshot()["tracks"] if track.get("kind") == "audio"],
    }
    return hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def measure_programme(timeline: Timeline, resolve: Resolver, settings: MixSettings) -> ProgrammeLevels:
    """Render the master as the export does and keep its loudness gain and ducking levels."""
    _, report = render_mix(timeline, resolve, settings=settings)
    return ProgrammeLevels(report.gain_db, report.duck_levels, report.loudness_in)


class ProgrammeAnalyser:
    """Measures programmes one at a time in a daemon thread, the latest request first; thread-safe."""

    def __init__(self, settings: MixSettings | None = None, debounce_s: float = DEBOUNCE_S) -> None:
        self.settings, self.debounce_s = settings or MixSettings(), debounce_s
        self._cond = threading.Condition()
        self._cache: OrderedDict[str, ProgrammeLevels] = OrderedDict()
        self._pending: tuple[str, Timeline, Resolver, float] | None = None
        self._thread: threading.Thread | None = None
        self._busy: str | None = None  # fingerprint being measured now
        self._closed = False
        self.measured = 0  # programmes measured (for tests and the status line)
        self.last_error = ""

    def levels(self, fingerprint: str) -> ProgrammeLevels | None:
        with self._cond:
            return self._cache.get(fingerprint)

    def request(self, timeline: Timeline, resolve: Resolver) -> str:
        """Measure `timeline` (a copy nobody edits any more) unless it is cached; returns its fingerprint."""
        fingerprint = programme_fingerprint(timeline, self.settings)
        if timeline.duration / timeline.rate > MAX_MEASURED_S:
            self.last_error = (f"the programme is longer than {MAX_MEASURED_S // 60} minutes: playback is not "
                               "loudness-normalised (the export is)")
            return fingerprint
        with self._cond:
            if self._closed or fingerprint in self._cache or fingerprint == self._busy:
                return fingerprint
            self._pending = (fingerprint, timeline, resolve, time.monotonic() + self.debounce_s)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="programme-loudness", daemon=True)
                self._thread.start()
            self._cond.notify_all()
        return fingerprint

    def wait(self, fingerprint: str, timeout: float = 30.0) -> ProgrammeLevels | None:
        """Block until a fingerprint is measured (tests, command-line tools)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while fingerprint not in self._cache and not self._closed and time.monotonic() < deadline:
                self._cond.wait(timeout=max(0.0, min(0.1, deadline - time.monotonic())))
            return self._cache.get(fingerprint)

    def close(self, wait_s: float = 0.0) -> None:
        """Stop the thread; a measurement under way finishes in the background (daemon) and is dropped, unless
        `wait_s` waits for it. Idempotent."""
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify_all()
            thread = self._thread
        if wait_s and thread is not None and thread is not threading.current_thread():
            thread.join(timeout=wait_s)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._pending is None or time.monotonic() < self._pending[3]):
                    due = None if self._pending is None else self._pending[3] - time.monotonic()
                    self._cond.wait(timeout=due)
                if self._closed:
                    return
                fingerprint, timeline, resolve, _ = self._pending  # type: ignore[misc]
                self._pending, self._busy = None, fingerprint
            try:
                levels = measure_programme(timeline, resolve, self.settings)
            except Exception as exc:  # noqa: BLE001 - playback goes on un-normalised; the reason is kept
                self.last_error = f"could not measure the programme's loudness: {exc}"
                levels = None
            with self._cond:
                self._busy = None
                if self._closed:
                    return
                if levels is None:
                    continue
                self._cache[fingerprint] = levels
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
                self.measured += 1
                self._cond.notify_all()
