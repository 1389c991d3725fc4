"""Synthetic media whose content says where it is: frame-index patterns and tones.

Used by the tests (exact-frame checks survive H.264) and the benchmarks (1080p sources without any
download). Each frame shows a solid colour with its index written as a row of black/white bit blocks.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from sora_studio.core.fsutil import atomic_output

INDEX_BITS = 12  # frame indices up to 4095


def index_frame(index: int, width: int, height: int, color: tuple[int, int, int] = (40, 90, 160)) -> np.ndarray:
    """uint8 RGB frame: `color` background, bottom band holding INDEX_BITS black/white blocks (MSB first)."""
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = color
    band_top = height - max(8, height // 6)
    block_w = width // INDEX_BITS
    for bit in range(INDEX_BITS):
        on = (index >> (INDEX_BITS - 1 - bit)) & 1
        frame[band_top:, bit * block_w : (bit + 1) * block_w] = 255 if on else 0
    return frame


def read_index(frame: np.ndarray) -> int:
    """Recover the index drawn by index_frame (samples the middle of each bit block)."""
    height, width = frame.shape[:2]
    band_top = height - max(8, height // 6)
    y = (band_top + height) // 2
    block_w = width // INDEX_BITS
    value = 0
    for bit in range(INDEX_BITS):
        x = bit * block_w + block_w // 2
        value = (value << 1) | int(frame[y, x].mean() > 127)
    return value


def tone(seconds: float, freq: float = 440.0, rate: int = 48000, channels: int = 2, level: float = 0.5) -> np.ndarray:
    """float32 [channels, N] sine tone."""
    t = np.arange(round(seconds * rate), dtype=np.float64) / rate
    wave = (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(wave[None, :], channels, axis=0)


def write_index_video(
    path: str | os.PathLike[str],
    frames: int,
    size: tuple[int, int] = (160, 96),
    fps: Fraction | int = 24,
    color: tuple[int, int, int] = (40, 90, 160),
    gop: int | None = None,
    audio_freq: float | None = None,
    audio_channels: int = 2,
    sample_rate: int = 48000,
    rotation: int = 0,
    pts_steps: list[int] | None = None,
    crf: int = 18,
    preset: str = "ultrafast",
) -> Path:
    """Write an H.264 MP4 of index frames (optional AAC tone, display rotation, GOP, or explicit pts steps for VFR).

    `pts_steps` gives the pts increment (in 1/fps/100 units) after each frame, making variable frame rate.
    """
    width, height = size
    fps = Fraction(fps)
    with atomic_output(path, suffix=".mp4") as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        options = {"crf": str(crf), "preset": preset}
        if gop is not None:
            options.update({"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"})
            stream.codec_context.gop_size = gop
        stream.options = options
        if pts_steps is not None:
            stream.codec_context.time_base = 1 / (fps * 100)
            stream.time_base = 1 / (fps * 100)
        if rotation:
            stream.set_display_rotation(rotation)
        astream = None
        if audio_freq is not None:
            astream = container.add_stream("aac", rate=sample_rate)
            astream.layout = {1: "mono", 2: "stereo", 6: "5.1"}[audio_channels]
        pts = 0
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(index_frame(i, width, height, color), format="rgb24")
            if pts_steps is not None:
                frame.pts = pts
                frame.time_base = stream.codec_context.time_base
                pts += pts_steps[i % len(pts_steps)]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if astream is not None:
            seconds = (pts / (fps * 100)) if pts_steps is not None else frames / fps
            samples = tone(float(seconds), audio_freq, sample_rate, audio_channels)
            _write_audio(container, astream, samples, sample_rate)
    return Path(path)


def write_audio_file(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int = 48000,
                     codec: str = "aac") -> Path:
    """Write float32 [C, N] audio alone (.m4a with AAC, .wav with pcm_s16le)."""
    samples = np.atleast_2d(np.asarray(samples, dtype=np.float32))
    fmt = "wav" if codec.startswith("pcm") else "mp4"
    with atomic_output(path) as tmp, av.open(str(tmp), mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=sample_rate)
        stream.layout = {1: "mono", 2: "stereo", 6: "5.1"}[samples.shape[0]]
        _write_audio(container, stream, samples, sample_rate)
    return Path(path)


def _write_audio(container: av.container.OutputContainer, stream: av.AudioStream, samples: np.ndarray,
                 rate: int) -> None:
    layout = stream.layout.name
    chunk = 1024
    for offset in range(0, samples.shape[1], chunk):
        block = np.ascontiguousarray(samples[:, offset : offset + chunk], dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
        frame.sample_rate, frame.pts = rate, offset
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


class SceneFrames:
    """Textured, moving frames (like camera footage for an encoder, unlike flat test colours), cheap to make."""

    def __init__(self, width: int, height: int, seed: int = 0, tint: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> None:
        rng = np.random.default_rng(seed)
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        base = np.stack([
            np.sin(x / 37.0 + seed) + np.cos(y / 23.0),
            np.sin((x + y) / 51.0) + np.cos(x / 17.0 - seed),
            np.sin(np.hypot(x - width / 2, y - height / 2) / 29.0),
        ], axis=-1)
        base = (base - base.min()) / (base.max() - base.min() + 1e-6) * 200 + rng.normal(0, 6, base.shape)
        self._base = np.clip(base * np.asarray(tint, np.float32), 0, 255).astype(np.uint8)
        self.width, self.height = width, height

    def frame(self, index: int) -> np.ndarray:
        picture = np.roll(self._base, shift=(2 * index, 3 * index), axis=(0, 1))
        band = index_frame(index, self.width, max(16, self.height // 8))[-max(8, self.height // 48):]
        picture[-band.shape[0]:] = band
        return picture


def write_scene_video(path: str | os.PathLike[str], frames: int, size: tuple[int, int], fps: Fraction | int = 30,
                      seed: int = 0, tint: tuple[float, float, float] = (1.0, 1.0, 1.0), gop: int | None = None,
                      audio_freq: float | None = None, crf: int = 20, preset: str = "ultrafast") -> Path:
    """An H.264 MP4 of SceneFrames (long GOP by default, like camera or generated footage), optional AAC tone."""
    scene = SceneFrames(size[0], size[1], seed, tint)
    fps = Fraction(fps)
    with atomic_output(path, suffix=".mp4") as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        options = {"crf": str(crf), "preset": preset}
        if gop is not None:
            options.update({"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"})
        stream.options = options
        stream.thread_type = "AUTO"
        astream = None
        if audio_freq is not None:
            astream = container.add_stream("aac", rate=48000)
            astream.layout = "stereo"
        for i in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(scene.frame(i), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if astream is not None and audio_freq is not None:
            _write_audio(container, astream, tone(float(frames / fps), audio_freq), 48000)
    return Path(path)
