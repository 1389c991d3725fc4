"""Provenance for exports and generated clips: the one place that decides what gets marked and signed.

- exports containing generated content: trace mark ("export" layer) + visible moving watermark (not
  optional), then C2PA signing and a ledger record;
- exports of imported footage only: C2PA + ledger (the visible mark only if asked for);
- generated clips: `mark_generated_frames` adds the "generation" layer trace mark and a ledger record
  before the engine encodes them.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from sora_studio.core.export.hooks import ExportContext, ExportHooks, ExportSource
from sora_studio.core.provenance.c2pa_sign import Ingredient, ManifestSpec, SignOutcome, sign_in_place
from sora_studio.core.provenance.fingerprint import file_fingerprints, frames_fingerprints
from sora_studio.core.provenance.ledger import Ledger, sha256_file
from sora_studio.core.provenance.recipes import ledger_recipe, recipe_summary
from sora_studio.core.provenance.trace_mark import TraceMarkEmbedder
from sora_studio.core.provenance.watermark import VisibleWatermark
from sora_studio.core.timeline.model import NAMESPACE
from sora_studio.errors import BadInput

log = logging.getLogger("sora_studio.provenance")


class TraceMarkStamper:
    """FrameStamper adding the invisible trace mark to every exported frame."""

    def __init__(self, mark_id: int, layer: str = "export", key: bytes | None = None) -> None:
        self.embedder = TraceMarkEmbedder(mark_id, key, layer=layer)

    def begin(self, width: int, height: int, rate: Fraction, total_frames: int) -> None:
        self.embedder.prepare(width, height)

    def stamp(self, frame: np.ndarray, index: int) -> np.ndarray:
        return self.embedder.mark(frame)


def _ours(source: ExportSource) -> dict[str, Any]:
    value = source.metadata.get(NAMESPACE)
    return value if isinstance(value, dict) else {}


class ProvenanceFinalizer:
    """OutputFinalizer: signs the finished file with C2PA and records the export in the ledger.
    `outcome` tells the caller whether it was signed (and if not, why)."""

    def __init__(self, mark_id: int | None) -> None:
        self.mark_id = mark_id
        self.outcome: SignOutcome | None = None
        self.record_id: str | None = None

    def finalize(self, tmp_path: Path, context: ExportContext) -> None:
        with Ledger() as ledger:
            clips, ingredients, parents = self._describe(context, ledger)
            models = sorted({c["model_id"] for c in clips if c.get("model_id")})
            studio = {"kind": "export", "contains_generated": context.contains_generated,
                      "trace_mark_id": None if self.mark_id is None else f"{self.mark_id:016x}",
                      "preset": getattr(context.preset, "name", None), "models": models, "clips": clips}
            title = (context.out_path or tmp_path).name
            self.outcome = sign_in_place(tmp_path, ManifestSpec(title, context.contains_generated, True, ingredients,
                                                                studio))
            try:
                fingerprints = file_fingerprints(tmp_path)
            except BadInput:
                fingerprints = []
            record = ledger.add("export", studio | {"c2pa": self.outcome.to_dict()}, mark_id=self.mark_id,
                                path=context.out_path, sha256=sha256_file(tmp_path), fingerprints=fingerprints,
                                parents=parents, signed=self.outcome.signed)
            self.record_id = record.id

    @staticmethod
    def _describe(context: ExportContext, ledger: Ledger) -> tuple[list[dict], list[Ingredient], list[str]]:
        clips: list[dict] = []
        ingredients: dict[str, Ingredient] = {}
        parents: list[str] = []
        for source in context.sources:
            ours = _ours(source)
            summary = recipe_summary(ours.get("recipe")) if source.generated else {}
            mark = summary.get("trace_mark_id") or ours.get("trace_mark_id")
            clips.append({"clip_id": source.clip_id, "generated": source.generated, **summary})
            if mark:
                record = ledger.by_mark(str(mark))
                if record and record.id not in parents:
                    parents.append(record.id)
            key = str(source.path or source.url)
            if key not in ingredients:
                ingredients[key] = Ingredient(source.path, Path(source.url).name or source.url, "componentOf")
            recipe = ours.get("recipe") if isinstance(ours.get("recipe"), dict) else {}
            remix = ours.get("remix_parent") or recipe.get("remix_parent")
            if remix and str(remix) not in ingredients:
                ingredients[str(remix)] = Ingredient(Path(remix) if Path(str(remix)).is_absolute() else None,
                                                     Path(str(remix)).name, "parentOf")
        return clips, list(ingredients.values()), parents


def provenance_hooks(context: ExportContext, watermark_imported: bool = False) -> ExportHooks:
    """The export hooks for this context. Generated content always gets both marks; C2PA always."""
    mark_id: int | None = None
    stampers: list = []
    if context.contains_generated:
        with Ledger() as ledger:
            mark_id = ledger.new_mark_id()
        stampers = [TraceMarkStamper(mark_id), VisibleWatermark()]
    elif watermark_imported:
        stampers = [VisibleWatermark()]
    return ExportHooks(stampers=stampers, finalizers=[ProvenanceFinalizer(mark_id)])


def mark_generated_frames(frames: np.ndarray, recipe: Any, fps: float | None = None) -> tuple[np.ndarray, int]:
    """Add the trace mark to a freshly generated clip (uint8 RGB [T, H, W, 3], marked in place when
    writable) and record the generation in the ledger. Returns (frames, mark_id); the engine should keep
    f"{mark_id:016x}" as the recipe's `trace_mark_id`."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise ValueError(f"generated frames must be uint8 [T,H,W,3], got {frames.dtype} {frames.shape}")
    with Ledger() as ledger:
        mark_id = ledger.new_mark_id()
        embedder = TraceMarkEmbedder(mark_id, layer="generation")
        out = frames if frames.flags.writeable else frames.copy()
        for i in range(len(out)):
            out[i] = embedder.mark(out[i])
        data = ledger_recipe(recipe)
        rate = fps or float(data.get("fps") or 24)
        ledger.add("generation", data | {"trace_mark_id": f"{mark_id:016x}"}, mark_id=mark_id,
                   fingerprints=frames_fingerprints(out, rate))
    return out, mark_id
