"""Render a timeline to an H.264 + AAC (48 kHz stereo) MP4, with progress, cancel and provenance hooks.

Two threads share the work: a producer composites each output frame, runs the stampers and converts it to
yuv420p (or, when a frame needs no scaling, padding, rotation or stamping, hands over the decoded frame
as it is); the calling thread encodes video and audio and muxes. PyAV releases the GIL while it decodes,
scales and encodes, so the two overlap on separate cores. The file is written beside the target under a
temporary name, finalizers run on it, and only then it is renamed: a cancelled or failed export leaves
nothing behind.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.video.frame import PictureType
from av.video.reformatter import VideoReformatter

from sora_studio.core.audio.mixdown import MasterMix, MixReport, MixSettings
from sora_studio.core.cancel import CancelToken
from sora_studio.core.export.composite import Resolver, TimelineCompositor
from sora_studio.core.export.hooks import ExportContext, ExportHooks, default_hooks
from sora_studio.core.export.presets import ExportPreset, get_preset
from sora_studio.core.fsutil import atomic_output
from sora_studio.core.media.encode import add_aac_stream, add_h264_stream, encode_audio_block, h264_encoder
from sora_studio.core.time import timecode
from sora_studio.core.timeline.model import NAMESPACE, Timeline
from sora_studio.errors import BadInput, Cancelled, StudioError

Progress = Callable[[int, int], None]  # (frames done, frames total)
QUEUE_DEPTH = 6  # frames in flight between the producer and the encoder (1080p yuv420p: 3 MB each)
AUDIO_CHUNK_S = 1


@dataclass
class ExportResult:
    path: Path
    frames: int
    duration_s: float
    width: int
    height: int
    fps: Fraction
    encoder: str
    audio_rate: int
    elapsed_s: float
    preset: str
    warnings: list[str]
    mix: MixReport | None = None  # loudness before/after normalisation, ducked tracks

    @property
    def speed(self) -> float:
        """Seconds of video written per second of wall time (1.0 = real time)."""
        return self.duration_s / self.elapsed_s if self.elapsed_s > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "frames": self.frames, "duration_s": round(self.duration_s, 4),
            "width": self.width, "height": self.height, "fps": str(self.fps), "encoder": self.encoder,
            "audio_rate": self.audio_rate, "elapsed_s": round(self.elapsed_s, 3), "speed": round(self.speed, 3),
            "preset": self.preset, "warnings": self.warnings,
        }


def output_frame_map(timeline_frames: int, timeline_rate: Fraction, fps: Fraction) -> list[int]:
    """Timeline frame shown at each output frame: picks (drops or repeats) frames to convert the rate."""
    total = -(-timeline_frames * fps // timeline_rate)  # ceil: the last partial frame still shows
    return [int(j * timeline_rate // fps) for j in range(int(total))]


def render_timeline(
    timeline: Timeline,
    resolve: Resolver,
    out_path: str | os.PathLike[str],
    preset: ExportPreset | str,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    hooks: ExportHooks | None = None,
) -> ExportResult:
    """Export the timeline to out_path; raises Cancelled (nothing written) when `cancel` fires."""
    started = time.perf_counter()
    preset = get_preset(preset) if isinstance(preset, str) else preset
    out = Path(out_path)
    if timeline.duration <= 0:
        raise BadInput("the timeline is empty: add clips before exporting")
    if out.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise BadInput(f"export goes to an MP4 file; {out.name!r} has another extension (use .mp4)")
    cancel = cancel or CancelToken()
    frame_map = output_frame_map(timeline.duration, timeline.rate, preset.fps)
    context = ExportContext.for_timeline(timeline, preset, resolve, out)
    target = out.resolve()
    if any(s.path is not None and s.path.resolve() == target for s in context.sources):
        raise BadInput(f"{out.name} is used by a clip on the timeline; export to another file name")
    hooks = hooks if hooks is not None else default_hooks(context)
    for stamper in hooks.stampers:
        stamper.begin(preset.width, preset.height, preset.fps, len(frame_map))
    encoder = h264_encoder(preset.width, preset.height)
    warnings: list[str] = []
    mix: MixReport | None = None
    try:
        with atomic_output(out, suffix=".mp4") as tmp:
            warnings, mix = _encode(timeline, resolve, tmp, preset, frame_map, hooks, progress, cancel, encoder)
            warnings = [*hole_warnings(timeline), *warnings]
            for finalizer in hooks.finalizers:
                cancel.raise_if_cancelled()
                finalizer.finalize(tmp, context)
            cancel.raise_if_cancelled()
            os.chmod(tmp, 0o644)  # the temp file is private (mkstemp); an export is an ordinary document
    except OSError as exc:  # disk full, read-only folder, permission: say where and why
        raise StudioError(f"cannot write the export to {out}: {exc.strerror or exc}; "
                          "choose another folder or free some space") from exc
    return ExportResult(out, len(frame_map), len(frame_map) / float(preset.fps), preset.width, preset.height,
                        preset.fps, encoder, preset.audio_rate, time.perf_counter() - started, preset.name, warnings, mix)


class _Producer(threading.Thread):
    """Composites, stamps and converts frames in order into a bounded queue (None ends; an exception fails)."""

    def __init__(self, compositor: TimelineCompositor, frame_map: list[int], hooks: ExportHooks,
                 cancel: CancelToken) -> None:
        super().__init__(name="export-frames", daemon=True)
        self.compositor, self.frame_map, self.hooks, self.cancel = compositor, frame_map, hooks, cancel
        self.frames: queue.Queue[av.VideoFrame | BaseException | None] = queue.Queue(QUEUE_DEPTH)
        self.stop = threading.Event()
        self.shape = (compositor.height, compositor.width, 3)
        # one converter for the whole export: frame.reformat() sets up a new swscale context per frame,
        # which at small sizes costs ~10x the conversion itself (same pixels either way)
        self.to_yuv = VideoReformatter()

    def run(self) -> None:
        try:
            for index, timeline_frame in enumerate(self.frame_map):
                if self.stop.is_set() or self.cancel.cancelled:
                    return
                if not self.hooks.stampers:
                    decoded = self.compositor.passthrough_frame(timeline_frame)
                    if decoded is not None:
                        self._put(decoded)
                        continue
                picture = self.compositor.video_frame(timeline_frame)
                for stamper in self.hooks.stampers:
                    picture = stamper.stamp(picture, index)
                    if getattr(picture, "shape", None) != self.shape:
                        raise StudioError(f"{type(stamper).__name__} returned a frame of shape "
                                          f"{getattr(picture, 'shape', None)}, expected {self.shape}")
                picture = np.ascontiguousarray(picture, dtype=np.uint8)
                self._put(self.to_yuv.reformat(av.VideoFrame.from_numpy_buffer(picture, format="rgb24"),
                                               format="yuv420p"))
            self._put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the encoding thread, which raises it
            self._put(exc)
        finally:
            self.compositor.close()

    def _put(self, item: av.VideoFrame | BaseException | None) -> None:
        while not self.stop.is_set():
            try:
                self.frames.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


def hole_warnings(timeline: Timeline) -> list[str]:
    """One line per enabled clip whose active take has no media (a withdrawn cameo clip, a missing file): it
    exports as black picture / silence, and the person exporting should know where."""
    lines = []
    for track, clip in timeline.clips():
        take = clip.take
        if not clip.enabled or (take is not None and take.url and not take.missing):
            continue
        ours = (take.metadata.get(NAMESPACE) or {}) if take is not None else {}
        withdrawn = ours.get("withdrawn") if isinstance(ours, dict) else None  # media deleted on purpose
        why = (f"its media was deleted ({withdrawn.get('reason', 'withdrawn')})" if isinstance(withdrawn, dict)
               else "its media is missing (relink it in the Media panel)")
        lines.append(f"{track.name} {clip.name!r} at {timecode(clip.start, timeline.rate)}: {why}; "
                     f"exported as {'black' if track.kind == 'video' else 'silence'}")
    return lines


def _encode(timeline: Timeline, resolve: Resolver, tmp: Path, preset: ExportPreset, frame_map: list[int],
            hooks: ExportHooks, progress: Progress | None, cancel: CancelToken,
            encoder: str) -> tuple[list[str], MixReport]:
    video_comp = TimelineCompositor(timeline, resolve, preset.width, preset.height)
    # the audio is the mastered mix: fades, ducking under dialogue, loudness normalised to the preset's target
    audio_comp = MasterMix(timeline, resolve,
                           settings=MixSettings(rate=preset.audio_rate, target_lufs=preset.loudness_lufs))
    producer = _Producer(video_comp, frame_map, hooks, cancel)
    total = len(frame_map)
    rate = preset.audio_rate
    total_samples = round(Fraction(total) / preset.fps * rate)
    audio_done = 0  # samples encoded so far
    try:
        with av.open(str(tmp), mode="w", format="mp4") as container:
            container.metadata["encoder"] = "Sora Studio"
            vstream = add_h264_stream(container, preset.width, preset.height, preset.fps, crf=preset.crf,
                                      preset=preset.x264_preset, encoder=encoder, nvenc_preset=preset.nvenc_preset)
            vstream.codec_context.time_base = 1 / preset.fps
            astream = add_aac_stream(container, rate, preset.audio_bitrate)
            producer.start()
            for done in range(1, total + 1):
                item = _next_frame(producer, cancel)
                if isinstance(item, BaseException):
                    raise item
                if item is None:
                    raise StudioError(f"export stopped early at frame {done - 1} of {total}")
                # timestamps are set here, not by the producer: a repeated source frame can be queued twice.
                # A decoded frame keeps its source picture type, which x264 would obey: let it choose.
                item.pts, item.time_base = done - 1, vstream.codec_context.time_base
                item.pict_type = PictureType.NONE
                for packet in vstream.encode(item):
                    container.mux(packet)
                # keep the audio about a chunk ahead of the video so the muxer interleaves closely
                video_samples = round(Fraction(done) / preset.fps * rate)
                while audio_done < min(total_samples, video_samples + AUDIO_CHUNK_S * rate):
                    audio_done = _encode_audio_chunk(container, astream, audio_comp, audio_done, total_samples, rate)
                if progress is not None:
                    progress(done, total)
            while audio_done < total_samples:
                audio_done = _encode_audio_chunk(container, astream, audio_comp, audio_done, total_samples, rate)
            for packet in vstream.encode():
                container.mux(packet)
            for packet in astream.encode():
                container.mux(packet)
    except av.error.FFmpegError as exc:
        raise StudioError(f"encoding failed: {exc}") from None
    finally:
        producer.stop.set()
        if producer.is_alive():
            producer.join(timeout=10)
        audio_comp.close()
        if producer.ident is None:  # never started: its compositor was not closed by the thread
            video_comp.close()
    if cancel.cancelled:
        raise Cancelled(cancel.reason)
    warnings = [f"clip {clip_id}: {why}" for clip_id, why in {**video_comp.errors, **audio_comp.errors}.items()]
    return warnings, audio_comp.report


def _next_frame(producer: _Producer, cancel: CancelToken) -> av.VideoFrame | BaseException | None:
    """The producer's next item, waking up to notice a cancel (or a producer that has stopped)."""
    while True:
        cancel.raise_if_cancelled()
        try:
            return producer.frames.get(timeout=0.05)
        except queue.Empty:
            if not producer.is_alive() and producer.frames.empty():
                cancel.raise_if_cancelled()
                return None


def _encode_audio_chunk(container: av.container.OutputContainer, stream: av.AudioStream,
                        compositor: MasterMix, first: int, total: int, rate: int) -> int:
    count = min(AUDIO_CHUNK_S * rate, total - first)
    encode_audio_block(container, stream, compositor.audio_samples(first, count, rate), first, rate)
    return first + count
