"""Checks on a model folder before it is registered or loaded: safetensors only, complete, readable.

Pickled weights (.bin/.pt/.ckpt/.pth/.pkl) can run code when loaded, so folders holding them are refused.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from sora_studio.errors import BadInput

PICKLE_SUFFIXES = (".bin", ".pt", ".ckpt", ".pth", ".pkl", ".pickle")
# what `models pull` downloads: weights as safetensors, configs, tokenizer files, licences
ALLOW_PATTERNS = ["*.safetensors", "*.json", "*.txt", "*.model", "*.md", "LICENSE*"]
IGNORE_PATTERNS = [f"*{suffix}" for suffix in PICKLE_SUFFIXES]


def find_pickled_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in PICKLE_SUFFIXES)


def read_safetensors_header(path: Path) -> dict:
    """Parse a .safetensors header (8-byte little-endian length + JSON); BadInput if it is not one."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(8)
            if len(raw) != 8:
                raise BadInput(f"{path} is truncated (no safetensors header); download it again")
            (length,) = struct.unpack("<Q", raw)
            if length <= 0 or length > 100 * 1024 * 1024 or length > path.stat().st_size - 8:
                raise BadInput(f"{path} has an invalid safetensors header; download it again")
            header = json.loads(fh.read(length))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path} is not a readable safetensors file ({exc}); download it again") from exc
    if not isinstance(header, dict):
        raise BadInput(f"{path} has an invalid safetensors header")
    return header


def verify_model_folder(folder: str | Path, pipeline_classes: tuple[str, ...] = ()) -> dict:
    """Check a diffusers pipeline folder; return {components, weight_files, size_bytes} or raise BadInput."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"model folder {folder} does not exist or is not a folder")
    pickled = find_pickled_files(folder)
    if pickled:
        names = ", ".join(str(p.relative_to(folder)) for p in pickled[:5])
        raise BadInput(
            f"refusing {folder}: it contains pickled weights ({names}), which can run code when loaded. "
            "Use a safetensors copy of the model (most hub repos have one) or convert the weights first."
        )
    index_path = folder / "model_index.json"
    if not index_path.is_file():
        raise BadInput(f"{folder} is not a diffusers pipeline folder (model_index.json is missing)")
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInput(f"{index_path} is not valid JSON: {exc}") from exc
    class_name = index.get("_class_name", "")
    if pipeline_classes and class_name not in pipeline_classes:
        raise BadInput(f"{folder} holds a {class_name or 'unknown'} pipeline; expected {' or '.join(pipeline_classes)}")
    components = {k: v for k, v in index.items() if not k.startswith("_") and isinstance(v, list) and v[0]}
    missing = [name for name in components if not (folder / name).is_dir()]
    if missing:
        raise BadInput(f"{folder} is incomplete: missing component folder(s) {', '.join(missing)}; pull or copy them")
    weight_files: list[str] = []
    for name in components:
        sub = folder / name
        if not (sub / "config.json").is_file():
            continue  # tokenizers, schedulers and processors carry no weights
        shards = sorted(sub.glob("*.safetensors"))
        if not shards:
            raise BadInput(f"{folder}: component {name!r} has no .safetensors weights; the download is incomplete")
        for index_file in sub.glob("*.safetensors.index.json"):
            wanted = set(json.loads(index_file.read_text()).get("weight_map", {}).values())
            absent = sorted(w for w in wanted if not (sub / w).is_file())
            if absent:
                raise BadInput(f"{folder}: component {name!r} is missing shard(s) {', '.join(absent[:3])}")
        for shard in shards:
            read_safetensors_header(shard)
            weight_files.append(str(shard.relative_to(folder)))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"pipeline": class_name, "components": sorted(components), "weight_files": weight_files, "size_bytes": size}


def verify_transformers_folder(folder: Path, model_types: tuple[str, ...], what: str) -> dict:
    """A transformers checkpoint folder (TTS voices and their parts): a readable config.json whose model_type
    is one of `model_types`, safetensors weights, no pickles. Returns the config; BadInput says what is wrong."""
    if not folder.is_dir():
        raise BadInput(f"the {what} folder {folder} does not exist")
    pickled = find_pickled_files(folder)
    if pickled:
        raise BadInput(f"refusing {folder}: it holds pickled weights ({pickled[0].name}); use a safetensors copy")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInput(f"{folder} has no readable config.json ({exc})") from exc
    if config.get("model_type") not in model_types:
        raise BadInput(f"{folder} holds a {config.get('model_type')!r} model; the {what} must be "
                       f"{' or '.join(model_types)}")
    if not list(folder.glob("*.safetensors")):
        raise BadInput(f"{folder} has no .safetensors weights; the download is incomplete")
    return config
