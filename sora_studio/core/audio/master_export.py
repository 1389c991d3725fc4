"""The master mix as an export finaliser: replaces the finished file's audio with the mastered mix.

`render_timeline` writes the compositor's plain mix; this OutputFinalizer then rewrites the audio stream
with fades, ducking and loudness normalisation, copying the video packets untouched (no re-encode, so the
picture, its trace mark and its timestamps are exactly as rendered). It must run before C2PA signing
(signing covers the final bytes): put it first in `ExportHooks.finalizers`.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av

from sora_studio.core.audio.mixdown import MixReport, MixSettings, render_mix
from sora_studio.core.export.hooks import ExportContext
from sora_studio.core.media.encode import add_aac_stream, encode_audio_block
from sora_studio.errors import StudioError

CHUNK_S = 1


def context_resolver(context: ExportContext):
    """url -> path from the export's sources (the finaliser is not handed the project's resolver)."""
    paths = {s.url: s.path for s in context.sources if s.path is not None}

    def resolve(url: str) -> Path:
        if url not in paths:
            raise OSError(f"{url} is not among the export's sources")
        return paths[url]

    return resolve


class AudioMasterFinalizer:
    """OutputFinalizer (core/export/hooks.py) that masters the export's audio. `report` holds the figures."""

    def __init__(self, settings: MixSettings = MixSettings()) -> None:
        self.settings = settings
        self.report: MixReport | None = None

    def finalize(self, tmp_path: Path, context: ExportContext) -> None:
        tmp_path = Path(tmp_path)
        rate = self.settings.rate
        with av.open(str(tmp_path)) as source:
            if not source.streams.video:
                raise StudioError(f"{tmp_path.name} has no video stream to keep")
            video = source.streams.video[0]
            frames = video.frames or 0
            fps = Fraction(context.preset.fps)
        if frames <= 0:
            from sora_studio.core.export.render import output_frame_map

            frames = len(output_frame_map(context.timeline.duration, context.timeline.rate, fps))
        total = round(Fraction(frames) / fps * rate)
        audio, self.report = render_mix(context.timeline, context_resolver(context), total, self.settings)
        remux_with_audio(tmp_path, audio, rate, bitrate=getattr(context.preset, "audio_bitrate", 192000))


def remux_with_audio(path: Path, audio, rate: int, bitrate: int = 192000) -> None:
    """Rewrite `path` in place: its first video stream copied packet for packet, `audio` as a new AAC stream."""
    out_path = path.with_name(path.name + ".master.mp4")
    try:
        with av.open(str(path)) as source, av.open(str(out_path), mode="w", format="mp4") as target:
            for key, value in source.metadata.items():
                target.metadata[key] = value
            in_video = source.streams.video[0]
            out_video = target.add_stream_from_template(in_video)
            astream = add_aac_stream(target, rate, bitrate)
            for packet in source.demux(in_video):
                if packet.dts is None:
                    continue
                packet.stream = out_video
                target.mux(packet)
            for first in range(0, audio.shape[1], CHUNK_S * rate):
                encode_audio_block(target, astream, audio[:, first: first + CHUNK_S * rate], first, rate)
            for packet in astream.encode():
                target.mux(packet)
        os.replace(out_path, path)
    except av.error.FFmpegError as exc:
        raise StudioError(f"could not write the mastered audio: {exc}") from None
    finally:
        if out_path.exists():
            out_path.unlink()
