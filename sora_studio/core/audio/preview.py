"""The master as playback hears it: the export's mix (core/audio/mixdown.py) for any short range.

`mix_range` renders the same stems (clip gain, fades, track gain, mute/solo), ducks ambience and music
under dialogue, applies the programme's loudness gain and the same peak limiter, so a range played in the
viewer has the samples the export writes for it. The limiter looks a few milliseconds around each sample,
so the range is rendered with that much context. Ducking levels and the loudness gain come from the whole
programme (`ProgrammeLevels`, measured in the background by core/audio/programme.py); until they are
known a range is ducked from 1 s of context before it (within a fraction of a dB of the export once the
release has settled) and played without loudness normalisation.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Self

import numpy as np

from sora_studio.core.audio.ducking import WINDOW_S, duck_gain, levels_to_gain
from sora_studio.core.audio.loudness import limiter_reach
from sora_studio.core.audio.mixdown import (
    MixSettings,
    OpenReader,
    Resolver,
    duck_key,
    ducks,
    master_gain,
    render_stems,
    samples_at,
    sum_stems,
)
from sora_studio.core.audio.programme import ProgrammeAnalyser, ProgrammeLevels, programme_fingerprint
from sora_studio.core.media.decode import AudioReader
from sora_studio.core.timeline.model import Clip, Timeline
from sora_studio.errors import BadInput

DUCK_CONTEXT_S = 1.0  # key heard before a range when the programme's ducking levels are not known yet
MAX_OPEN_READERS = 8


def mix_range(timeline: Timeline, resolve: Resolver, first: int, count: int, settings: MixSettings | None = None,
              programme: ProgrammeLevels | None = None, errors: dict[str, str] | None = None,
              open_reader: OpenReader | None = None) -> np.ndarray:
    """float32 [2, count]: samples [first, first + count) of the master (silence outside the programme)."""
    settings = settings or MixSettings()
    rate = settings.rate
    errors = {} if errors is None else errors
    out = np.zeros((2, count), np.float32)
    total = samples_at(timeline.duration, timeline.rate, rate)
    reach = limiter_reach(rate)
    lo, hi = max(0, first - reach), min(total, first + count + reach)
    if hi <= lo or count <= 0:
        return out
    s_lo, s_hi = lo, hi
    if programme is None:  # ducking from local context: the key from a while before, on the 10 ms grid
        hop = max(1, round(WINDOW_S * rate))
        s_lo = max(0, (lo - round(DUCK_CONTEXT_S * rate)) // hop * hop)
        s_hi = min(total, hi + round(0.1 * rate))
    stems = render_stems(timeline, resolve, s_lo, s_hi - s_lo, rate, errors, open_reader)
    if not stems:
        return out
    duck = None
    if ducks(stems, settings):
        if programme is None:
            duck = duck_gain(duck_key(stems), rate, settings.duck)
        elif programme.duck_levels is not None:
            duck = levels_to_gain(programme.duck_levels, rate, s_lo, s_hi - s_lo)
    mixed = sum_stems(stems, duck)[:, lo - s_lo: hi - s_lo]
    mastered = master_gain(mixed, programme.gain_db if programme is not None else 0.0, settings)
    a, b = max(first, lo), min(first + count, hi)
    if b > a:
        out[:, a - first: b - first] = mastered[:, a - lo: b - lo]
    return out


class PreviewMix:
    """Playback's audio source, in place of TimelineCompositor.audio: `audio(start_frame, n_frames, rate)`.

    Keeps its readers open (sequential blocks continue the decoders), so use one per thread. The programme's
    loudness gain and ducking levels are asked of `analyser` and used from the first block after they arrive.
    """

    def __init__(self, timeline: Timeline, resolve: Resolver, settings: MixSettings | None = None,
                 analyser: ProgrammeAnalyser | None = None) -> None:
        settings = settings or (analyser.settings if analyser else MixSettings())
        self.timeline, self.resolve, self.settings, self.analyser = timeline, resolve, settings, analyser
        self.fingerprint = analyser.request(timeline, resolve) if analyser else programme_fingerprint(timeline, settings)
        self.programme: ProgrammeLevels | None = None
        self.errors: dict[str, str] = {}
        self._readers: OrderedDict[tuple[str, str], AudioReader] = OrderedDict()

    def audio(self, start_frame: int, n_frames: int, rate: int = 48000) -> np.ndarray:
        """float32 [2, N] of the master for frames [start_frame, start_frame + n_frames) (compositor rounding)."""
        first = samples_at(start_frame, self.timeline.rate, rate)
        return self.audio_samples(first, samples_at(start_frame + n_frames, self.timeline.rate, rate) - first, rate)

    def audio_samples(self, first: int, count: int, rate: int = 48000) -> np.ndarray:
        if rate != self.settings.rate:
            raise BadInput(f"the preview mix runs at {self.settings.rate} Hz, not {rate} Hz")
        if self.programme is None and self.analyser is not None:
            self.programme = self.analyser.levels(self.fingerprint)
        return mix_range(self.timeline, self.resolve, first, count, self.settings, self.programme, self.errors,
                         self._reader)

    def _reader(self, clip: Clip, path: Path) -> AudioReader:
        key = (clip.id, str(path))
        reader = self._readers.get(key)
        if reader is None:
            reader = AudioReader(path, rate=self.settings.rate, channels=2)
            self._readers[key] = reader
            while len(self._readers) > MAX_OPEN_READERS:
                self._readers.popitem(last=False)[1].close()
        else:
            self._readers.move_to_end(key)
        return reader

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
