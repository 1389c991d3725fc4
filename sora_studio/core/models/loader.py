"""Load an installed model as a diffusers pipeline: the one path for real and tiny models.

Always `use_safetensors=True`; the folder is verified first so pickled weights are never read.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sora_studio.core.models.install import resolve_installed
from sora_studio.core.models.manifest import Manifest
from sora_studio.core.models.registry import InstalledModel
from sora_studio.core.models.verify import verify_model_folder
from sora_studio.errors import BadInput, StudioError


@dataclass
class LoadedModel:
    manifest: Manifest
    entry: InstalledModel
    pipe: object
    device: str
    dtype: torch.dtype


def pipeline_class(name: str) -> type:
    import diffusers

    try:
        return getattr(diffusers, name)
    except AttributeError:
        raise StudioError(f"this diffusers ({diffusers.__version__}) has no {name}; upgrade diffusers") from None


def load_pipeline(
    model_id: str, device: str = "cpu", dtype: torch.dtype | None = None, pipeline: str | None = None
) -> LoadedModel:
    """from_pretrained on the installed folder; `pipeline` overrides the manifest's class (e.g. image_pipeline)."""
    manifest, entry = resolve_installed(model_id)
    classes = tuple(c for c in (manifest.pipeline, manifest.image_pipeline) if c)
    verify_model_folder(entry.path, classes)
    dtype = dtype or (torch.bfloat16 if device.startswith("cuda") else torch.float32)
    cls = pipeline_class(pipeline or manifest.pipeline)
    try:
        pipe = cls.from_pretrained(entry.path, use_safetensors=True, dtype=dtype)
    except (OSError, ValueError, KeyError) as exc:
        raise BadInput(f"cannot load {model_id} from {entry.path}: {exc}. Re-pull or re-import the model.") from exc
    pipe.set_progress_bar_config(disable=True)
    return LoadedModel(manifest=manifest, entry=entry, pipe=pipe, device=device, dtype=dtype)
