"""Probe a media file before anything trusts it: kind, length, rate, size, codecs, rotation, VFR.

Probing opens the container, checks that a decoder exists and decodes the first frame, so a corrupt,
truncated or unsupported file is refused here (BadInput with the reason) and never reaches the timeline.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np

from sora_studio.core.time import snap_rate
from sora_studio.errors import BadInput

MediaKind = Literal["video", "audio", "image"]

MAX_DIMENSION = 8192  # wider or taller than this is refused (8K DCI is 8192 wide)
MAX_FRAME_COUNT = 5_000_000  # ~2 days at 30 fps: more means a broken or hostile header
MAX_DURATION_S = 48 * 3600.0
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
VFR_PACKETS = 240  # packets inspected for variable frame rate
REORDER_MARGIN = 32  # B-frame reordering depth allowed for when the sample stops mid-stream
STILL_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif"}


@dataclass
class MediaInfo:
    """What the editor needs to know about a file. width/height are the displayed size (after rotation)."""

    path: str
    kind: MediaKind
    duration_s: float | None
    frame_rate: Fraction | None = None
    frame_count: int | None = None
    width: int | None = None
    height: int | None = None
    rotation: int = 0  # counter-clockwise degrees to turn the decoded picture for display (FFmpeg's convention)
    vfr: bool = False
    video_codec: str | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    container: str | None = None
    size_bytes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_video(self) -> bool:
        return self.kind in ("video", "image")

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        rate = self.frame_rate
        data["frame_rate"] = None if rate is None else f"{rate.numerator}/{rate.denominator}"
        data["has_video"], data["has_audio"] = self.has_video, self.has_audio
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaInfo:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("frame_rate") is not None:
            values["frame_rate"] = Fraction(str(values["frame_rate"]))
        return cls(**values)


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe a media file, or raise BadInput saying why it cannot be used."""
    p = Path(path)
    if not p.exists():
        raise BadInput(f"media file not found: {p}")
    if not p.is_file():
        raise BadInput(f"not a regular file: {p}")
    size = p.stat().st_size
    if size == 0:
        raise BadInput(f"{p.name}: the file is empty (0 bytes); re-export or re-copy it")
    if p.suffix.lower() in IMAGE_SUFFIXES:
        return _probe_image(p, size)
    try:
        container = av.open(str(p), mode="r")
    except av.error.FFmpegError as exc:
        raise BadInput(f"{p.name}: not a readable media file ({_reason(exc)}); it may be corrupt or truncated") from None
    try:
        if container.format.name.split(",")[0] in STILL_IMAGE_FORMATS:
            container.close()
            return _probe_image(p, size)
        return _probe_container(p, size, container)
    finally:
        container.close()


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip().rstrip(".")


def _probe_container(p: Path, size: int, container: av.container.InputContainer) -> MediaInfo:
    video = container.streams.video[0] if container.streams.video else None
    audio = container.streams.audio[0] if container.streams.audio else None
    if video is None and audio is None:
        raise BadInput(f"{p.name}: no video or audio stream inside ({container.format.name})")
    info = MediaInfo(path=str(p), kind="video" if video is not None else "audio", duration_s=None,
                     container=container.format.name, size_bytes=size)
    if audio is not None:
        _check_decoder(p, audio)
        info.audio_codec = audio.codec_context.name
        info.sample_rate = audio.codec_context.sample_rate or None
        info.channels = audio.codec_context.channels or None
    if video is not None:
        _check_decoder(p, video)
        _describe_video(p, container, video, info)
    else:
        info.duration_s = _stream_duration(container, audio)
        _decode_first(p, container, audio)
    if info.duration_s is None or info.duration_s <= 0:
        raise BadInput(f"{p.name}: the media has no duration; the file is probably truncated")
    if info.duration_s > MAX_DURATION_S:
        raise BadInput(f"{p.name}: claims a duration of {info.duration_s:.0f} s, beyond the {MAX_DURATION_S:.0f} s limit")
    return info


def _check_decoder(p: Path, stream: av.stream.Stream) -> None:
    name = stream.codec_context.name if stream.codec_context is not None else None
    if not name or name == "none":
        target = "H.264 MP4" if stream.type == "video" else "AAC or WAV"
        raise BadInput(f"{p.name}: unsupported {stream.type} codec; convert it to {target} (e.g. with ffmpeg)")


def _describe_video(p: Path, container: av.container.InputContainer, video: av.VideoStream, info: MediaInfo) -> None:
    ctx = video.codec_context
    coded_w, coded_h = ctx.width, ctx.height
    if coded_w > MAX_DIMENSION or coded_h > MAX_DIMENSION:
        raise BadInput(f"{p.name}: {coded_w}x{coded_h} is larger than the {MAX_DIMENSION}x{MAX_DIMENSION} limit")
    if coded_w <= 0 or coded_h <= 0:
        raise BadInput(f"{p.name}: the video stream has no picture size; the file is corrupt")
    rate = video.average_rate or video.guessed_rate or video.base_rate
    info.frame_rate = snap_rate(Fraction(rate)) if rate else None
    info.video_codec = ctx.name
    info.duration_s = _stream_duration(container, video)
    if video.frames:
        info.frame_count = int(video.frames)
    elif info.duration_s is not None and info.frame_rate:
        info.frame_count = max(1, round(info.duration_s * float(info.frame_rate)))
    if info.frame_count is not None and info.frame_count > MAX_FRAME_COUNT:
        raise BadInput(f"{p.name}: claims {info.frame_count} frames, beyond the {MAX_FRAME_COUNT} limit; the header is broken")
    first = _decode_first(p, container, video)
    info.rotation = round(getattr(first, "rotation", 0) or 0) % 360
    if info.rotation % 90:
        info.extra["rotation_unsupported"] = info.rotation
        info.rotation = 0
    swap = info.rotation in (90, 270)
    info.width, info.height = (coded_h, coded_w) if swap else (coded_w, coded_h)
    info.extra["coded_size"] = [coded_w, coded_h]
    info.vfr = _looks_vfr(container, video)


def _stream_duration(container: av.container.InputContainer, stream: av.stream.Stream) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _decode_first(p: Path, container: av.container.InputContainer, stream: av.stream.Stream) -> av.frame.Frame:
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise BadInput(f"{p.name}: cannot decode its {stream.type} ({_reason(exc)}); the file is corrupt") from None
    raise BadInput(f"{p.name}: the {stream.type} stream holds no decodable frames; the file is truncated or corrupt")


def _looks_vfr(container: av.container.InputContainer, video: av.VideoStream) -> bool:
    """True when frame durations differ by more than 10% across the first packets."""
    try:
        container.seek(0, stream=video)
        times, complete = [], True
        for packet in container.demux(video):
            if packet.pts is not None:
                times.append(packet.pts)
            if len(times) >= VFR_PACKETS:
                complete = False
                break
    except av.error.FFmpegError:
        return False
    ordered = np.sort(np.asarray(times, dtype=np.int64))
    if not complete:  # B-frames: the latest timestamps read may still have gaps that later packets fill
        ordered = ordered[: -REORDER_MARGIN]
    if ordered.size < 3:
        return False
    steps = np.diff(ordered)
    steps = steps[steps > 0]
    if steps.size < 2:
        return False
    typical = float(np.median(steps))
    return bool(np.any(np.abs(steps - typical) > 0.1 * typical))


def _probe_image(p: Path, size: int) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(p) as image:
            width, height = image.size
            if width > MAX_DIMENSION or height > MAX_DIMENSION:
                raise BadInput(f"{p.name}: {width}x{height} is larger than the {MAX_DIMENSION}x{MAX_DIMENSION} limit")
            image.load()  # decodes: catches truncated files
            fmt = (image.format or p.suffix.lstrip(".")).lower()
    except BadInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise BadInput(f"{p.name}: not a readable image ({exc}); it may be corrupt or truncated") from None
    return MediaInfo(path=str(p), kind="image", duration_s=None, width=width, height=height, video_codec=fmt,
                     container=fmt, size_bytes=size)
