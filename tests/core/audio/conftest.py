"""Audio tests: helpers (clap-and-flash media, a small export preset, the independent FFmpeg meter) served
as the `audio_tools` fixture (importlib mode cannot import sibling modules)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from sora_studio.core.export.presets import get_preset
from sora_studio.core.media.decode import read_audio

RATE = 48000
FPS = 24


def clap_flash_clip(path: Path, flashes: list[int], frames: int = 96, fps: int = FPS, size=(160, 96)) -> Path:
    """An MP4 with white frames at `flashes` and a sharp click burst starting at the same instants."""
    from sora_studio.core.media.encode import write_clip

    pictures = np.full((frames, size[1], size[0], 3), 30, np.uint8)
    audio = np.zeros((2, round(frames / fps * RATE)), np.float32)
    rng = np.random.default_rng(7)
    burst = (rng.uniform(-1, 1, round(0.012 * RATE)) * np.exp(-np.arange(round(0.012 * RATE)) / 150)).astype(np.float32)
    for f in flashes:
        pictures[f] = 255
        at = round(Fraction(f, fps) * RATE)
        audio[:, at: at + burst.size] += 0.8 * burst
    write_clip(path, pictures, fps, audio=audio, sample_rate=RATE)
    return path


def flash_times(path: Path) -> list[float]:
    """Presentation times (s) of bright frames in a video, from the decoded stream."""
    times = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.to_ndarray(format="gray").mean() > 200:
                times.append(float(frame.pts * stream.time_base))
    return times


def onset_times(audio: np.ndarray, rate: int = RATE, threshold: float = 0.1, quiet_s: float = 0.2) -> list[float]:
    """Sample-accurate click onsets: first sample over `threshold` after `quiet_s` of quiet."""
    level = np.abs(audio).max(axis=0)
    hits = np.flatnonzero(level > threshold)
    onsets, last = [], -np.inf
    for i in hits:
        if i - last > quiet_s * rate:
            onsets.append(i / rate)
        last = i
    return onsets


def export_onsets(path: Path, seconds: float) -> list[float]:
    return onset_times(read_audio(path, 0.0, seconds))


def small_preset(width: int = 160, height: int = 96, fps: int = FPS):
    return dataclasses.replace(get_preset("720p"), name="test", width=width, height=height, fps=Fraction(fps),
                               x264_preset="ultrafast")


def ffmpeg_loudness(path: Path) -> float:
    """Integrated loudness by FFmpeg's ebur128 filter: an implementation independent of ours."""
    exe = shutil.which("ffmpeg")
    assert exe, "ffmpeg (Debian package) is needed as the independent loudness meter"
    done = subprocess.run([exe, "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0", "-af", "ebur128",
                           "-f", "null", "-"], capture_output=True, text=True, check=True)
    summary = done.stderr[done.stderr.rindex("Summary:"):]
    return float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))


@pytest.fixture
def audio_tools():
    """This module's helpers: clap_flash_clip, flash_times, onset_times, export_onsets, small_preset, ..."""
    return sys.modules[__name__]
