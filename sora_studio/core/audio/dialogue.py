"""Dialogue: each shot's lines spoken by a TTS voice and placed at timed offsets inside the shot's clip.

Timing: lines are spoken one after another, starting `lead_in_s` into the shot with `gap_s` between them
(a line may fix its own offset with an `at` attribute, seconds from the shot's start). A line that would
run past the end of the shot is first re-spoken faster (up to `max_speedup`); if it still does not fit
it is cut at the shot's end and a warning says by how much it overran. Each speaker gets an audio track
(role "dialogue"), so levels and mutes are per character, and ducking keys off these tracks.

Dialogue clips are not linked to the picture (a linked trim would cut into the speech); they carry
`metadata["sora_studio"]` {"shot_id", "speaker", "line", "offset_s", "voice", "tts"} instead.

A speaker written `@name` is a cameo: it is authorized for the requester on every pass (tts/cameo_voice.py),
a cloning backend speaks in its enrolled voice, and the clip records only `cameo_id` (never the sample).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sora_studio.core.audio.conform import conform_audio
from sora_studio.core.audio.placement import audio_clip, role_track
from sora_studio.core.audio.tts.base import Speech, TTSBackend, TTSRequest
from sora_studio.core.audio.tts.cameo_voice import cameo_voices
from sora_studio.core.media.synth import write_audio_file
from sora_studio.core.timeline.edits import CompoundEdit, Edit, OverwriteClip
from sora_studio.core.timeline.model import Clip, Timeline
from sora_studio.errors import BadInput

LEAD_IN_S = 0.3
GAP_S = 0.25
MAX_SPEEDUP = 1.3
DEFAULT_VOICES = ("en-us", "en-us+f3", "en-gb", "en-us+m3", "en-gb+f2", "en-us+f4")  # espeak-ng voices


@dataclass
class SpokenLine:
    speaker: str
    text: str
    voice: str
    offset_s: float  # from the shot's start
    speech: Speech
    fits: bool = True
    overrun_s: float = 0.0
    notices: list[str] = field(default_factory=list)
    cameo_id: str | None = None  # the speaker is this cameo (its voice sample is never stored)


def assign_voices(speakers: Sequence[str], chosen: Mapping[str, str] | None = None,
                  pool: Sequence[str] = DEFAULT_VOICES) -> dict[str, str]:
    """A voice per speaker: the chosen ones, the rest from `pool` in order of first appearance."""
    voices = dict(chosen or {})
    free = [v for v in pool if v not in voices.values()] or list(pool)
    for i, speaker in enumerate(s for s in dict.fromkeys(speakers) if s not in voices):
        voices[speaker] = free[i % len(free)]
    return voices


def speak_lines(lines: Sequence[Any], shot_seconds: float, tts: TTSBackend, voices: Mapping[str, str],
                rate_wpm: int = 165, voice_samples: Mapping[str, Path] | None = None,
                lead_in_s: float = LEAD_IN_S, gap_s: float = GAP_S, requester_profile_id: str | None = None,
                cameo_store: Any = None) -> tuple[list[SpokenLine], list[str]]:
    """Synthesize and time a shot's lines ((speaker, text) objects); (spoken lines, warnings).

    `@name` speakers are cameos, authorized for `requester_profile_id` (default: the active profile); a
    backend that can clone gets each one's enrolled voice sample (Refused when the cameo may not be used)."""
    speakers = [str(line.speaker).strip() for line in lines]
    with cameo_voices(speakers, requester_profile_id, clone=tts.can_clone, store=cameo_store) as cameos:
        samples = {**(voice_samples or {}), **cameos.samples}
        return _speak(lines, shot_seconds, tts, voices, rate_wpm, samples, cameos.cameo_ids, lead_in_s, gap_s)


def _speak(lines: Sequence[Any], shot_seconds: float, tts: TTSBackend, voices: Mapping[str, str], rate_wpm: int,
           voice_samples: Mapping[str, Path], cameo_ids: Mapping[str, str], lead_in_s: float,
           gap_s: float) -> tuple[list[SpokenLine], list[str]]:
    spoken: list[SpokenLine] = []
    warnings: list[str] = []
    cursor = lead_in_s
    ends: dict[str, float] = {}  # where each speaker's previous line ends
    for number, line in enumerate(lines, start=1):
        speaker, text = str(line.speaker).strip(), str(line.text)
        if not speaker:
            raise BadInput(f"dialogue line {number} has no speaker; say who speaks it")
        if speaker not in voices:
            raise BadInput(f"no voice chosen for speaker {speaker!r}; give one in the storyboard's voices")
        at = getattr(line, "at", None)
        offset = float(at) if at is not None else cursor
        if not 0 <= offset < shot_seconds:
            raise BadInput(f"dialogue line {number} ({speaker}) starts at {offset:g} s, outside the "
                           f"{shot_seconds:g} s shot")
        if offset < ends.get(speaker, -1.0):
            warnings.append(f"dialogue line {number} ({speaker}) starts at {offset:g} s, before their previous "
                            f"line ends ({ends[speaker]:.2f} s); the earlier line is cut there")
        request = TTSRequest(text=text, voice=voices[speaker], rate_wpm=rate_wpm,
                             voice_sample=voice_samples.get(speaker))
        speech = tts.synthesize(request)
        room = shot_seconds - offset
        if speech.seconds > room and MAX_SPEEDUP > 1:
            faster = min(MAX_SPEEDUP, speech.seconds / max(room, 1e-3) * 1.02)
            request.rate_wpm = int(math.ceil(rate_wpm * faster))
            speech = tts.synthesize(request)
        item = SpokenLine(speaker, text, voices[speaker], offset, speech, notices=list(speech.notices),
                          cameo_id=cameo_ids.get(speaker))
        if item.cameo_id and not tts.can_clone:
            item.notices.append(f"{tts.name} cannot clone voices: {speaker}'s enrolled voice was not used")
        if speech.seconds > room:
            item.fits, item.overrun_s = False, speech.seconds - room
            warnings.append(f"dialogue line {number} ({speaker}: {_short(text)}) is {speech.seconds:.2f} s long "
                            f"but only {room:.2f} s of the shot remain; it is cut {item.overrun_s:.2f} s early - "
                            "shorten the line or lengthen the shot")
        spoken.append(item)
        ends[speaker] = offset + speech.seconds
        cursor = offset + speech.seconds + gap_s
    return spoken, warnings


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "speaker"


def place_dialogue(project: Any, shot_clip: Clip, spoken: Sequence[SpokenLine], shot_id: str | None = None,
                   tts_name: str = "espeak-ng") -> tuple[Edit | None, list[Clip]]:
    """Write each line as a 48 kHz WAV in the bundle, import it and place it on its speaker's track at
    shot start + offset (cut at the shot's end). One undo step; (edit or None, the new clips)."""
    timeline: Timeline = project.timeline
    folder = Path(project.media_dir) / "generated" / "dialogue"
    folder.mkdir(parents=True, exist_ok=True)
    edits: list[Edit] = []
    clips: list[Clip] = []
    tracks: dict[str, str] = {}
    for speaker in dict.fromkeys(line.speaker for line in spoken):
        tracks[speaker], add = role_track(timeline, "dialogue", speaker)
        edits += [add] if add else []
    for number, line in enumerate(spoken, start=1):
        start = shot_clip.start + round(line.offset_s * timeline.rate)
        room = shot_clip.end - start
        if room <= 0:
            continue
        conformed = conform_audio(line.speech.audio, line.speech.sample_rate, channels=1,
                                  label=f"the speech for {line.speaker}")
        path = _unique(folder / f"{_safe(shot_id or shot_clip.id)}-{number:02d}-{_safe(line.speaker)}.wav")
        write_audio_file(path, conformed.audio, conformed.rate, codec="pcm_s16le")
        item = project.import_media(path)
        meta = {"shot_id": shot_id, "speaker": line.speaker, "line": line.text, "offset_s": round(line.offset_s, 4),
                "voice": line.voice, "tts": tts_name}
        if line.cameo_id:
            meta["cameo_id"] = line.cameo_id
        clip = audio_clip(item, timeline, start, room, metadata=meta)
        clips.append(clip)
        edits.append(OverwriteClip(tracks[line.speaker], clip, at=start))
    if not clips:
        return None, clips
    return CompoundEdit(edits, label="Add Dialogue"), clips


def _unique(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate, n = path.with_name(f"{path.stem}-{n}{path.suffix}"), n + 1
    return candidate


def speech_onsets(audio: np.ndarray, rate: int, threshold_db: float = -40.0, min_gap_s: float = 0.15) -> list[float]:
    """Times (s) where sound starts after at least `min_gap_s` of quiet: speech onsets in a rendered track."""
    mono = np.atleast_2d(audio).mean(axis=0)
    hop = max(1, rate // 200)  # 5 ms
    frames = len(mono) // hop
    if frames == 0:
        return []
    rms = np.sqrt(np.mean(mono[: frames * hop].reshape(frames, hop) ** 2, axis=1))
    loud = 20 * np.log10(np.maximum(rms, 1e-9)) > threshold_db
    onsets, quiet_run = [], math.inf
    need = min_gap_s * rate / hop
    for i, on in enumerate(loud):
        if on and quiet_run >= need:
            onsets.append(i * hop / rate)
        quiet_run = 0 if on else quiet_run + 1
    return onsets

