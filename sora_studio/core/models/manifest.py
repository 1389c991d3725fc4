"""Model manifests (models/*.toml): what a model is, where it comes from, its licence and its rules.

A manifest is data, not code: adding a model of a known family means adding a TOML file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sora_studio.core.resources import models_path
from sora_studio.errors import BadInput

KNOWN_CAPABILITIES = frozenset({"t2v", "i2v", "flf2v", "v2v", "reference", "audio"})  # flf2v: first+last frame


@dataclass(frozen=True)
class Licence:
    name: str
    url: str = ""
    commercial_use: bool = True
    territories_excluded: tuple[str, ...] = ()
    requires_watermark: bool = False
    requires_acceptance: bool = False
    notes: str = ""

    @property
    def flags(self) -> list[str]:
        """Short human flags for restrictions a user must know before using the model."""
        out = []
        if not self.commercial_use:
            out.append("commercial use restricted")
        if self.territories_excluded:
            out.append("not licensed in: " + ", ".join(self.territories_excluded))
        if self.requires_watermark:
            out.append("outputs must keep watermark/provenance")
        if self.requires_acceptance:
            out.append("licence must be accepted")
        return out


@dataclass(frozen=True)
class FamilyRules:
    """Shape rules of a model family: frames = frame_multiple*k + frame_offset, sizes divisible by size_multiple."""

    frame_multiple: int = 4
    frame_offset: int = 1
    size_multiple: int = 16
    native_fps: int = 16
    default_width: int = 832
    default_height: int = 480
    max_frames: int = 81
    max_seconds: float = 0.0  # audio-only families
    audio_sample_rate: int = 0
    flow_shift: float | None = None

    @property
    def audio_only(self) -> bool:
        return self.native_fps == 0


@dataclass(frozen=True)
class Manifest:
    id: str
    name: str
    family: str
    pipeline: str
    repo: str
    revision: str
    licence: Licence
    rules: FamilyRules
    capabilities: tuple[str, ...]
    default_steps: int
    default_guidance: float
    vram_gb: dict[str, float] = field(default_factory=dict)
    size_gb: float = 0.0
    tiny: bool = False
    image_pipeline: str | None = None
    source: Path | None = None
    last_frame_required: bool = False  # FLF2V transformers embed two frames: they cannot start from one alone

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "family": self.family,
            "pipeline": self.pipeline,
            "repo": self.repo,
            "revision": self.revision,
            "tiny": self.tiny,
            "capabilities": list(self.capabilities),
            "licence": self.licence.name,
            "licence_flags": self.licence.flags,
            "size_gb": self.size_gb,
        }


def parse_manifest(path: Path) -> Manifest:
    """Read one manifest file; BadInput names the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"cannot read model manifest {path}: {exc}") from exc
    try:
        lic = data.get("licence", {})
        rules = data.get("rules", {})
        defaults = data.get("defaults", {})
        caps = tuple(data.get("capabilities", ()))
        unknown = set(caps) - KNOWN_CAPABILITIES
        if unknown:
            raise BadInput(f"model manifest {path.name}: unknown capabilities {sorted(unknown)}")
        return Manifest(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            family=str(data["family"]),
            pipeline=str(data["pipeline"]),
            repo=str(data.get("repo", "")),
            revision=str(data.get("revision", "main")),
            licence=Licence(
                name=str(lic.get("name", "unknown")),
                url=str(lic.get("url", "")),
                commercial_use=bool(lic.get("commercial_use", True)),
                territories_excluded=tuple(lic.get("territories_excluded", ())),
                requires_watermark=bool(lic.get("requires_watermark", False)),
                requires_acceptance=bool(lic.get("requires_acceptance", False)),
                notes=str(lic.get("notes", "")),
            ),
            rules=FamilyRules(**{k: v for k, v in rules.items() if k in FamilyRules.__dataclass_fields__}),
            capabilities=caps,
            default_steps=int(defaults.get("steps", 30)),
            default_guidance=float(defaults.get("guidance", 5.0)),
            vram_gb={str(k): float(v) for k, v in data.get("vram", {}).items()},
            size_gb=float(data.get("size_gb", 0.0)),
            tiny=bool(data.get("tiny", False)),
            image_pipeline=data.get("image_pipeline"),
            source=path,
            last_frame_required=bool(data.get("last_frame_required", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"model manifest {path.name} is malformed: {exc!r}") from exc


_PARSED: dict[Path, tuple[tuple, dict[str, Manifest]]] = {}  # folder -> (files' stat signature, manifests)


def load_manifests(directory: Path | None = None) -> dict[str, Manifest]:
    """All manifests by id (models/*.toml); parsed again only when a file is added, removed or changed."""
    directory = directory or models_path()
    paths = sorted(directory.glob("*.toml"))
    signature = tuple((p.name, st.st_mtime_ns, st.st_size) for p in paths for st in (p.stat(),))
    cached = _PARSED.get(directory)
    if cached is not None and cached[0] == signature:
        return dict(cached[1])
    manifests: dict[str, Manifest] = {}
    for path in paths:
        m = parse_manifest(path)
        manifests[m.id] = m
    _PARSED[directory] = (signature, manifests)
    return dict(manifests)


def get_manifest(model_id: str) -> Manifest:
    """The manifest for `model_id`, or BadInput listing the known ids."""
    manifests = load_manifests()
    try:
        return manifests[model_id]
    except KeyError:
        raise BadInput(
            f"unknown model {model_id!r}; known models: {', '.join(sorted(manifests))} (see `sora-studio models list`)"
        ) from None


def tiny_manifest_for_family(family: str) -> Manifest:
    for m in load_manifests().values():
        if m.tiny and m.family == family:
            return m
    raise BadInput(f"no tiny model for family {family!r}; families: wan, wan-i2v, wan-flf2v, wan-vace, ltx2, stable-audio")
