"""Export presets from data files: resources/presets/export/*.toml (formats) + quality.toml (levels).

A preset name is `FORMAT[FPS][-QUALITY]`: `1080p` (the format's default rate, standard quality), `720p25`,
`vertical30-high`, `square-draft`. `load_presets()` lists every combination.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from sora_studio.core.resources import resource_path
from sora_studio.errors import BadInput

_NAME = re.compile(r"^(?P<format>[a-z0-9]+?)(?P<fps>24|25|30|50|60)?(?:-(?P<quality>[a-z]+))?$")


@dataclass(frozen=True)
class ExportPreset:
    """Everything render_timeline needs to know about the output."""

    name: str
    label: str
    width: int
    height: int
    fps: Fraction
    quality: str
    crf: int
    x264_preset: str
    nvenc_preset: str
    nvenc_cq: int
    audio_bitrate: int = 192000
    audio_rate: int = 48000
    aspect: str = ""
    loudness_lufs: float | None = -16.0  # integrated loudness target of the master (EBU R128); None = peak only

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "label": self.label, "width": self.width, "height": self.height,
            "fps": f"{self.fps.numerator}/{self.fps.denominator}" if self.fps.denominator != 1 else self.fps.numerator,
            "quality": self.quality, "crf": self.crf, "x264_preset": self.x264_preset, "aspect": self.aspect,
            "audio_bitrate": self.audio_bitrate, "audio_rate": self.audio_rate, "loudness_lufs": self.loudness_lufs,
        }


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"export preset file {path.name} is unreadable: {exc}") from None


@lru_cache(maxsize=4)
def _load(folder: str) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    formats: dict[str, dict[str, Any]] = {}
    quality: dict[str, Any] | None = None
    root = Path(folder)
    if not root.is_dir():
        raise BadInput(f"export presets folder is missing: {root}")
    for path in sorted(root.glob("*.toml")):
        data = _read(path)
        if data.get("kind") == "quality":
            quality = data
        elif data.get("kind") == "format":
            for key in ("name", "width", "height", "fps", "default_fps"):
                if key not in data:
                    raise BadInput(f"export preset {path.name} lacks '{key}'")
            if int(data["width"]) % 2 or int(data["height"]) % 2 or min(int(data["width"]), int(data["height"])) < 16:
                raise BadInput(f"export preset {path.name}: width and height must be even and at least 16")
            formats[str(data["name"])] = data
    if quality is None or not quality.get("levels"):
        raise BadInput(f"no quality levels (quality.toml) in {root}")
    return formats, quality


def _tables(folder: Path | None) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    return _load(str(folder or resource_path("presets", "export")))


def get_preset(name: str, folder: Path | None = None) -> ExportPreset:
    """The preset for a name like '1080p', '720p25' or 'vertical30-high'; BadInput lists the choices."""
    formats, quality = _tables(folder)
    match = _NAME.match(name.strip().lower())
    fmt = formats.get(match.group("format")) if match else None
    if match is None or fmt is None:
        raise BadInput(f"unknown export preset {name!r}; formats: {', '.join(sorted(formats))} "
                       f"(e.g. 1080p, 720p25, vertical30-high)")
    fps = int(match.group("fps") or fmt["default_fps"])
    if fps not in [int(f) for f in fmt["fps"]]:
        raise BadInput(f"preset {fmt['name']} offers {', '.join(str(f) for f in fmt['fps'])} fps, not {fps}")
    level_name = match.group("quality") or quality.get("default", "standard")
    level = quality["levels"].get(level_name)
    if level is None:
        raise BadInput(f"unknown quality {level_name!r}; choose one of {', '.join(quality['levels'])}")
    return ExportPreset(
        name=f"{fmt['name']}{fps}-{level_name}",
        label=f"{fmt.get('label', fmt['name'])}, {fps} fps, {level.get('label', level_name)}",
        width=int(fmt["width"]), height=int(fmt["height"]), fps=Fraction(fps), quality=level_name,
        crf=int(level["crf"]), x264_preset=str(level["x264_preset"]),
        nvenc_preset=str(level.get("nvenc_preset", "p4")), nvenc_cq=int(level.get("nvenc_cq", level["crf"])),
        audio_bitrate=int(level.get("audio_bitrate", 192000)), aspect=str(fmt.get("aspect", "")),
        loudness_lufs=float(fmt.get("loudness_lufs", -16.0)),
    )


def load_presets(folder: Path | None = None) -> dict[str, ExportPreset]:
    """Every format x frame rate x quality combination, by full name ('1080p30-standard', ...)."""
    formats, quality = _tables(folder)
    presets = {}
    for fmt in formats.values():
        for fps in fmt["fps"]:
            for level in quality["levels"]:
                preset = get_preset(f"{fmt['name']}{int(fps)}-{level}", folder)
                presets[preset.name] = preset
    return presets


DEFAULT_PRESET = "1080p"
