"""Encoding and muxing with PyAV: the one place that writes MP4 files.

`write_clip` is the small contract the generation engine relies on: frames in, MP4 out, atomically.
H.264 goes through NVENC (h264_nvenc) when an NVIDIA driver lets it open, libx264 otherwise; set
SORA_STUDIO_H264_ENCODER=libx264 (or h264_nvenc) to force one.
"""

from __future__ import annotations

import functools
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from sora_studio.core.fsutil import atomic_output


def write_clip(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    fps: Fraction | int,
    audio: np.ndarray | None = None,
    sample_rate: int = 48000,
    crf: int = 18,
    preset: str = "veryfast",
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write uint8 RGB frames [T, H, W, 3] (and optional float32 audio [channels, samples]) as H.264/AAC MP4.

    Odd sizes are padded to even by edge replication (yuv420p needs even dimensions). The file appears
    at `path` only when complete.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 [T,H,W,3], got {frames.dtype} {frames.shape}")
    if frames.shape[0] == 0:
        raise ValueError("no frames to write")
    pad_h, pad_w = frames.shape[1] % 2, frames.shape[2] % 2
    if pad_h or pad_w:
        frames = np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    fps = Fraction(fps)
    with atomic_output(path, suffix=".mp4") as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        for key, value in (metadata or {}).items():
            container.metadata[key] = value
        vstream = add_h264_stream(container, frames.shape[2], frames.shape[1], fps, crf=crf, preset=preset)
        astream = None
        if audio is not None:
            audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
            astream = add_aac_stream(container, sample_rate, layout="stereo" if audio.shape[0] >= 2 else "mono")
        for frame in frames:
            for packet in vstream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in vstream.encode():
            container.mux(packet)
        if astream is not None and audio is not None:
            _encode_audio(container, astream, audio[:2], sample_rate)
    return Path(path)


def _encode_audio(container: av.container.OutputContainer, stream: av.AudioStream, audio: np.ndarray, rate: int) -> None:
    encode_audio_block(container, stream, audio, 0, rate)
    for packet in stream.encode():
        container.mux(packet)


def encode_audio_block(container: av.container.OutputContainer, stream: av.AudioStream, audio: np.ndarray,
                       first_sample: int, rate: int) -> None:
    """Encode float32 [C, N] samples starting at sample `first_sample` (NaN/inf silenced, clipped to [-1, 1])."""
    audio = np.clip(np.nan_to_num(np.asarray(audio, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0), -1.0, 1.0)
    chunk = 1024
    for offset in range(0, audio.shape[1], chunk):
        block = np.ascontiguousarray(audio[:, offset : offset + chunk])
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=stream.layout.name)
        frame.sample_rate = rate
        frame.pts = first_sample + offset
        for packet in stream.encode(frame):
            container.mux(packet)


NVENC_PRESETS = {"ultrafast": "p1", "superfast": "p1", "veryfast": "p2", "faster": "p3", "fast": "p4",
                 "medium": "p5", "slow": "p6", "slower": "p7", "veryslow": "p7"}


def h264_encoder(width: int = 256, height: int = 256) -> str:
    """'h264_nvenc' when it opens on this machine at this size (NVIDIA GPU + driver), else 'libx264'."""
    forced = os.environ.get("SORA_STUDIO_H264_ENCODER", "").strip()
    if forced in ("libx264", "h264_nvenc"):
        return forced
    if "h264_nvenc" not in av.codecs_available:
        return "libx264"
    return "h264_nvenc" if _nvenc_opens(int(width), int(height)) else "libx264"


@functools.lru_cache(maxsize=32)
def _nvenc_opens(width: int, height: int) -> bool:
    """NVENC has size limits (and needs a driver): try opening it once per size."""
    try:
        ctx = av.CodecContext.create("h264_nvenc", "w")
        ctx.width, ctx.height, ctx.pix_fmt = width + width % 2, height + height % 2, "yuv420p"
        ctx.time_base = Fraction(1, 30)
        ctx.open()
        ctx.close()
    except Exception:  # noqa: BLE001 - no driver, no device, unsupported size: any failure means "not usable"
        return False
    return True


def add_h264_stream(container: av.container.OutputContainer, width: int, height: int, fps: Fraction | int,
                    crf: int = 18, preset: str = "veryfast", encoder: str | None = None,
                    nvenc_preset: str | None = None, gop: int | None = None) -> av.VideoStream:
    """An H.264 yuv420p stream with constant-quality settings for whichever encoder is in use."""
    encoder = encoder or h264_encoder(width, height)
    stream = container.add_stream(encoder, rate=Fraction(fps))
    stream.width, stream.height, stream.pix_fmt = int(width), int(height), "yuv420p"
    if encoder == "h264_nvenc":
        options = {"preset": nvenc_preset or NVENC_PRESETS.get(preset, "p4"), "rc": "vbr", "cq": str(crf),
                   "b": "0"}
    else:
        options = {"crf": str(crf), "preset": preset}
        stream.thread_type = "AUTO"
    if gop is not None:
        options["g"] = str(gop)
        if encoder == "libx264":
            options.update({"keyint_min": str(gop), "sc_threshold": "0"})
    stream.options = options
    return stream


def add_aac_stream(container: av.container.OutputContainer, rate: int = 48000, bitrate: int = 192000,
                   layout: str = "stereo") -> av.AudioStream:
    stream = container.add_stream("aac", rate=rate)
    stream.layout = layout
    stream.bit_rate = bitrate
    return stream
