"""What the user asks for (GenerationRequest) and what was actually run (Recipe).

A Recipe uses diffusers' argument names so that it can be replayed against the pipeline directly.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass
class GenerationRequest:
    """A generation job as submitted; None fields take the model's defaults."""

    model_id: str = "wan-tiny"
    prompt: str = ""
    negative_prompt: str = ""
    seconds: float | None = None
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    image: str | None = None  # path of a first-frame image (i2v)
    last_image: str | None = None  # path of a last-frame image (first+last frame models, "flf2v"); = image: loop
    video: str | None = None  # path of a source video (remix / v2v)
    strength: float | None = None  # remix strength: 0 keeps the source, 1 ignores it
    reference_images: list[str] = field(default_factory=list)
    cameos: list[str] = field(default_factory=list)  # cameo names or ids (besides @name in the prompt)
    style: str | None = None
    requester: str | None = None  # profile id, fixed when the job is queued (None: the active profile)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationRequest:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Recipe:
    """Everything needed to regenerate a clip: same recipe + model + device => identical frames."""

    model_id: str
    model_revision: str
    model_sha: str
    pipeline: str
    prompt: str
    negative_prompt: str
    seed: int
    num_inference_steps: int
    guidance_scale: float
    height: int
    width: int
    num_frames: int
    fps: int
    strength: float | None = None
    audio_end_in_s: float | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # input kind -> sha256 of the file
    cameo_ids: list[str] = field(default_factory=list)
    style: str | None = None
    device: str = "cpu"
    dtype: str = "float32"
    software: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    trace_mark_id: str | None = None  # the invisible mark embedded in this clip (hex), also in the ledger

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_request(self) -> GenerationRequest:
        """A request that replays this recipe exactly (no rounding needed: values are already valid)."""
        return GenerationRequest(
            model_id=self.model_id, prompt=self.prompt, negative_prompt=self.negative_prompt,
            seconds=self.num_frames / self.fps if self.fps else self.audio_end_in_s, width=self.width or None,
            height=self.height or None, fps=self.fps or None, seed=self.seed, steps=self.num_inference_steps,
            guidance=self.guidance_scale, strength=self.strength, cameos=list(self.cameo_ids), style=self.style,
        )


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def software_versions() -> dict[str, str]:
    import diffusers
    import torch

    from sora_studio import __version__

    return {"sora_studio": __version__, "diffusers": diffusers.__version__, "torch": torch.__version__}
