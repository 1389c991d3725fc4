"""A small demo project made of real encoded media (H.264 video, AAC audio), for the screenshot, the UI
benchmark and the UI tests. Qt-free: it uses the core encoder, Project and edits only.

The pictures are synthetic but look like footage (sky gradient, moving sun, hills) so thumbnails are
recognisable; the sounds have envelopes (speech-like bursts, music beats) so waveforms are readable.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from sora_studio.core.media.encode import write_clip

RATE = 24
AUDIO_RATE = 48000

# (name, seconds, sky top, sky bottom, ground colour)
SHOTS = (
    ("dawn_beach", 4.0, (40, 60, 130), (250, 170, 110), (70, 60, 50)),
    ("forest_walk", 3.0, (60, 120, 200), (190, 220, 240), (40, 90, 40)),
    ("city_night", 3.0, (10, 10, 40), (70, 40, 110), (30, 30, 40)),
    ("desert_noon", 3.0, (70, 140, 230), (200, 220, 250), (200, 160, 90)),
)


def landscape_frames(seconds: float, size: tuple[int, int], top, bottom, ground, fps: int = RATE) -> np.ndarray:
    """uint8 [T, H, W, 3]: sky gradient, a sun moving left to right, rolling hills scrolling sideways."""
    width, height = size
    n = max(1, round(seconds * fps))
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    sky = (1 - y) * np.array(top, np.float32) + y * np.array(bottom, np.float32)
    sky = np.broadcast_to(sky, (height, width, 3))
    xs = np.arange(width, dtype=np.float32)
    ys = np.arange(height, dtype=np.float32)[:, None]
    frames = np.empty((n, height, width, 3), np.uint8)
    for i in range(n):
        t = i / max(1, n - 1)
        frame = sky.copy()
        cx, cy, r = width * (0.15 + 0.7 * t), height * (0.45 - 0.15 * np.sin(np.pi * t)), height * 0.09
        sun = ((xs[None, :] - cx) ** 2 + (ys - cy) ** 2) < r * r
        frame[sun] = (255, 236, 170)
        horizon = height * (0.68 + 0.06 * np.sin(xs / width * 6.0 + i * 0.05) + 0.03 * np.sin(xs / width * 17.0 - i * 0.09))
        land = ys > horizon[None, :]
        shade = np.clip(1.0 - (ys - horizon[None, :]) / height, 0.55, 1.0)[..., None]
        frame = np.where(land[..., None], np.array(ground, np.float32) * shade, frame)
        frames[i] = np.clip(frame, 0, 255).astype(np.uint8)
    return frames


def speech_like(seconds: float, seed: int, rate: int = AUDIO_RATE) -> np.ndarray:
    """float32 [2, N]: voiced bursts (harmonics of a wandering pitch) separated by pauses."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.7 * t + seed)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 6))
    # syllable rhythm: smoothed random levels (~6 per second), gated into phrases with pauses
    steps = rng.uniform(0.15, 1.0, int(seconds * 6) + 2)
    syllables = np.interp(t * 6, np.arange(steps.size), steps) * (0.6 + 0.4 * np.abs(np.sin(np.pi * t * 6)))
    gate = np.zeros(n)
    pos = 0
    while pos < n:
        length = min(int(rng.uniform(0.6, 1.6) * rate), n - pos)
        gate[pos : pos + length] = np.hanning(length) ** 0.25
        pos += length + int(rng.uniform(0.15, 0.4) * rate)
    envelope = syllables * gate
    mono = (0.35 * voice * envelope).astype(np.float32)
    return np.stack([mono, mono])


def music_like(seconds: float, rate: int = AUDIO_RATE, bpm: float = 110) -> np.ndarray:
    """float32 [2, N]: a pad chord with a kick on each beat (clear peaks in the waveform)."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    pad = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.08
    beat = 60.0 / bpm
    since = np.mod(t, beat)
    kick = np.sin(2 * np.pi * (50 + 80 * np.exp(-since * 30)) * since) * np.exp(-since * 9) * 0.7
    mono = (pad + kick).astype(np.float32)
    return np.stack([mono, mono * 0.9])


def write_demo_media(folder: Path, size: tuple[int, int] = (480, 270)) -> dict[str, Path]:
    """Encode the demo shots (with dialogue-like sound) and a music bed; returns name -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for seed, (name, seconds, top, bottom, ground) in enumerate(SHOTS):
        path = folder / f"{name}.mp4"
        if not path.exists():
            frames = landscape_frames(seconds, size, top, bottom, ground)
            write_clip(path, frames, Fraction(RATE), audio=speech_like(seconds, seed), crf=23)
        files[name] = path
    music = folder / "music_bed.m4a"
    if not music.exists():
        from sora_studio.core.media.synth import write_audio_file

        write_audio_file(music, music_like(12.0))
    files["music_bed"] = music
    return files


def build_demo_project(folder: Path, size: tuple[int, int] = (480, 270), media_dir: Path | None = None):
    """A saved project at folder/Demo.sorastudio: 4 shots on V1/A1 (linked), one on V2, music on A2, a marker.

    Returns the open core Project.
    """
    from sora_studio.core.project.bundle import Project
    from sora_studio.core.project.media_items import clips_for_media
    from sora_studio.core.timeline.edits import AddMarker, AddTrack, OverwriteClip, SetClipEnabled

    files = write_demo_media(media_dir or folder / "media-src", size)
    project = Project.create(folder / "Demo.sorastudio", rate=RATE, width=1920, height=1080)
    timeline = project.timeline
    AddTrack("video", "V2").apply(timeline)
    AddTrack("audio", "A2").apply(timeline)
    video_tracks, audio_tracks = timeline.video_tracks(), timeline.audio_tracks()
    items = {name: project.import_media(path) for name, path in files.items()}
    at = 0
    for name in ("dawn_beach", "forest_walk", "city_night"):
        placed = clips_for_media(items[name], timeline.rate, start=at)
        targets = {"video": video_tracks[0].id, "audio": audio_tracks[0].id}
        (kind, clip), *rest = placed
        OverwriteClip(targets[kind], clip, also=[(targets[k], c) for k, c in rest]).apply(timeline)
        at = clip.end
    (_, overlay), *_ = clips_for_media(items["desert_noon"], timeline.rate, start=48, duration=60)
    OverwriteClip(video_tracks[1].id, overlay).apply(timeline)
    SetClipEnabled([overlay.id], False).apply(timeline)
    (_, music), *_ = clips_for_media(items["music_bed"], timeline.rate, start=0, duration=230)
    OverwriteClip(audio_tracks[1].id, music).apply(timeline)
    AddMarker(96, "Beat").apply(timeline)
    project.save()
    return project
