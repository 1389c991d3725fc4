"""Seams where provenance plugs into export: per-frame stampers and whole-file finalizers.

The provenance room supplies a visible watermark and an invisible trace mark as FrameStampers and C2PA
signing as an OutputFinalizer; export itself knows nothing about them. `ExportContext` tells the hooks
what is being exported (sources, their take metadata / recipes, whether anything is AI-generated).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from sora_studio.core.audio.mix import TrackState, audible
from sora_studio.core.export.presets import ExportPreset
from sora_studio.core.generation.recipe_file import read_recipe
from sora_studio.core.timeline.model import NAMESPACE, Timeline


@dataclass
class ExportSource:
    """One clip's media as used by the export (take metadata carries recipes and lineage under NAMESPACE)."""

    clip_id: str
    track_id: str
    track_kind: str
    url: str
    path: Path | None
    take_key: str
    metadata: dict[str, Any]

    @property
    def generated(self) -> bool:
        """True when the take records a generation recipe (the clip was made by a model)."""
        ours = self.metadata.get(NAMESPACE, {}) if isinstance(self.metadata.get(NAMESPACE), dict) else {}
        return bool(ours.get("recipe") or ours.get("generated"))


@dataclass
class ExportContext:
    """What an export is made of; handed to every hook."""

    timeline: Timeline
    preset: ExportPreset
    sources: list[ExportSource] = field(default_factory=list)
    out_path: Path | None = None

    @property
    def contains_generated(self) -> bool:
        return any(s.generated for s in self.sources)

    @classmethod
    def for_timeline(cls, timeline: Timeline, preset: ExportPreset, resolve: Any = None,
                     out_path: Path | None = None) -> ExportContext:
        """Collect the active takes that reach the output: enabled clips on enabled video tracks and on
        audible audio tracks (mute/solo rule)."""
        audio_tracks = timeline.audio_tracks()
        heard = dict(zip((t.id for t in audio_tracks),
                         audible(TrackState(t.gain_db, t.muted, t.solo) for t in audio_tracks), strict=True))
        sources = []
        for track in timeline.tracks:
            if not track.enabled or not heard.get(track.id, True):
                continue
            for clip in track.clips:
                take = clip.take
                if not clip.enabled or take is None:
                    continue
                path = None
                if resolve is not None and not take.missing:
                    try:
                        path = Path(resolve(take.url))
                    except Exception:  # noqa: BLE001 - a bad url shows up as a render error, not here
                        path = None
                metadata = dict(take.metadata)
                ours = metadata.get(NAMESPACE)
                if path is not None and not (isinstance(ours, dict) and ours.get("recipe")):
                    recipe = read_recipe(path)  # a generated file placed without its recipe is still generated
                    if recipe is not None:
                        metadata[NAMESPACE] = {**(ours if isinstance(ours, dict) else {}), "recipe": recipe}
                sources.append(ExportSource(clip.id, track.id, track.kind, take.url, path, clip.active_take,
                                            metadata))
        return cls(timeline=timeline, preset=preset, sources=sources, out_path=out_path)


@runtime_checkable
class FrameStamper(Protocol):
    """Changes every output frame (visible watermark, invisible mark). Called on the export's worker thread
    in frame order; `frame` is a writable uint8 RGB [H, W, 3] owned by the export (in-place edits are fine)."""

    def begin(self, width: int, height: int, rate: Fraction, total_frames: int) -> None: ...

    def stamp(self, frame: np.ndarray, index: int) -> np.ndarray: ...


@runtime_checkable
class OutputFinalizer(Protocol):
    """Works on the finished MP4 before it gets its final name (C2PA signing). It must leave the result at
    tmp_path (e.g. write a sibling file and os.replace it); raising aborts the export and removes the file."""

    def finalize(self, tmp_path: Path, context: ExportContext) -> None: ...


@dataclass
class ExportHooks:
    stampers: list[FrameStamper] = field(default_factory=list)
    finalizers: list[OutputFinalizer] = field(default_factory=list)


def default_hooks(context: ExportContext) -> ExportHooks:
    """The hooks every export gets unless the caller passes its own: the visible watermark and invisible trace
    mark when generated content is present, and signed C2PA Content Credentials plus a ledger entry always."""
    from sora_studio.core.provenance.export_hooks import provenance_hooks

    return provenance_hooks(context)
