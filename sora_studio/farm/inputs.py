"""Shipping a request's input files (first-frame image, remix video, reference images) to a remote worker.

Paths on the submitting machine mean nothing on another node, so the client sends the bytes and the worker
writes them into its own temp folder. Recipes record inputs by sha256 of their content, so a clip rendered
remotely carries the same recipe as one rendered locally.
"""

from __future__ import annotations

from pathlib import Path

from sora_studio.core.generation.request import GenerationRequest
from sora_studio.errors import BadInput

MAX_INPUT_BYTES = 2 * 1024**3


def _read(path: str, label: str) -> tuple[str, bytes]:
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"{label} {path} does not exist")
    if p.stat().st_size > MAX_INPUT_BYTES:
        raise BadInput(f"{label} {path} is larger than 2 GB; trim it before sending it to the farm")
    return p.suffix, p.read_bytes()


def pack_inputs(request: GenerationRequest) -> dict[str, tuple[str, bytes]]:
    """{slot: (suffix, bytes)} for every input file of `request` (slots: image, last_image, video, reference/N)."""
    packed: dict[str, tuple[str, bytes]] = {}
    if request.image:
        packed["image"] = _read(request.image, "image")
    if request.last_image:
        packed["last_image"] = _read(request.last_image, "last-frame image")
    if request.video:
        packed["video"] = _read(request.video, "remix video")
    for n, ref in enumerate(request.reference_images):
        packed[f"reference/{n}"] = _read(ref, "reference image")
    return packed


def unpack_inputs(request: GenerationRequest, packed: dict[str, tuple[str, bytes]], folder: Path) -> GenerationRequest:
    """Write the shipped files into `folder` and return a copy of `request` that points at them."""
    data = request.to_dict()
    refs = list(data.get("reference_images") or [])
    for slot, (suffix, payload) in packed.items():
        target = folder / (slot.replace("/", "-") + suffix)
        target.write_bytes(payload)
        if slot in ("image", "last_image", "video"):
            data[slot] = str(target)
        elif slot.startswith("reference/"):
            refs[int(slot.split("/", 1)[1])] = str(target)
    data["reference_images"] = refs
    return GenerationRequest.from_dict(data)
