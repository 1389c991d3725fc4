"""Style presets: data files that adjust a request's prompt, negative prompt, guidance and steps.

Built-in presets live in resources/styles/*.toml; user styles in config_dir()/styles/*.toml (same format,
a user style with a built-in's name overrides it). A style file:

    name = "noir"
    label = "Film noir"
    prefix = "black and white film noir,"     # put before the prompt
    suffix = ", hard shadows, 1940s"          # put after the prompt
    negative = "colour, cartoon"              # appended to the negative prompt
    guidance = 6.0                            # optional: sets guidance when the request did not
    steps_scale = 1.0                         # optional: multiplies the model's default step count
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sora_studio.core.appdirs import config_dir
from sora_studio.core.fsutil import atomic_write_text
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.resources import resource_path
from sora_studio.errors import BadInput

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_KEYS = {"name", "label", "prefix", "suffix", "negative", "guidance", "steps_scale", "description"}


@dataclass(frozen=True)
class Style:
    name: str
    label: str = ""
    prefix: str = ""
    suffix: str = ""
    negative: str = ""
    guidance: float | None = None
    steps_scale: float = 1.0
    description: str = ""
    builtin: bool = True

    def to_toml(self) -> str:
        import json

        lines = [f"name = {json.dumps(self.name)}", f"label = {json.dumps(self.label or self.name)}",
                 f"prefix = {json.dumps(self.prefix)}", f"suffix = {json.dumps(self.suffix)}",
                 f"negative = {json.dumps(self.negative)}", f"steps_scale = {float(self.steps_scale)!r}",
                 f"description = {json.dumps(self.description)}"]
        if self.guidance is not None:
            lines.append(f"guidance = {float(self.guidance)!r}")
        return "\n".join(lines) + "\n"


def user_styles_dir() -> Path:
    return config_dir() / "styles"


def _parse(path: Path, builtin: bool) -> Style:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"style file {path} is unreadable: {exc}") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise BadInput(f"style file {path.name}: unknown keys {sorted(unknown)}; known: {sorted(_KEYS)}")
    name = str(data.get("name", path.stem))
    style = Style(
        name=name, label=str(data.get("label", name)), prefix=str(data.get("prefix", "")),
        suffix=str(data.get("suffix", "")), negative=str(data.get("negative", "")),
        guidance=float(data["guidance"]) if "guidance" in data else None,
        steps_scale=float(data.get("steps_scale", 1.0)), description=str(data.get("description", "")),
        builtin=builtin,
    )
    _check(style, path.name)
    return style


def _check(style: Style, where: str) -> None:
    if not _NAME.match(style.name):
        raise BadInput(f"{where}: style name {style.name!r} must be lower-case letters, digits, - or _ (max 40)")
    if style.guidance is not None and not 0.0 <= style.guidance <= 50.0:
        raise BadInput(f"{where}: guidance {style.guidance} is out of range 0..50")
    if not 0.1 <= style.steps_scale <= 4.0:
        raise BadInput(f"{where}: steps_scale {style.steps_scale} is out of range 0.1..4")


def load_styles() -> dict[str, Style]:
    """Built-in presets, then user styles (which may override a built-in of the same name)."""
    styles: dict[str, Style] = {}
    for folder, builtin in ((resource_path("styles"), True), (user_styles_dir(), False)):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                style = _parse(path, builtin)
                styles[style.name] = style
    return styles


def get_style(name: str) -> Style:
    """The style called `name`; BadInput lists the known ones."""
    styles = load_styles()
    key = (name or "").strip().lower()
    if key not in styles:
        raise BadInput(f"unknown style {name!r}; known styles: {', '.join(sorted(styles))}")
    return styles[key]


def save_user_style(style: Style) -> Path:
    """Save (or replace) a user style in config_dir()/styles; returns the file."""
    _check(style, "style")
    path = user_styles_dir() / f"{style.name}.toml"
    atomic_write_text(path, style.to_toml())
    return path


def delete_user_style(name: str) -> None:
    path = user_styles_dir() / f"{name}.toml"
    if not path.is_file():
        raise BadInput(f"there is no user style {name!r} (built-in styles cannot be deleted)")
    path.unlink()


def apply_style(request: GenerationRequest, style: Style | str | None, default_steps: int | None = None
                ) -> GenerationRequest:
    """A copy of `request` with the style applied (prompt prefix/suffix, negative, guidance, steps).

    Explicit request values win: guidance is set only when the request has none; steps are scaled from
    `default_steps` (the model's default) only when the request has none.
    """
    if style is None:
        return request
    style = get_style(style) if isinstance(style, str) else style
    prompt = " ".join(p for p in (style.prefix.strip(), request.prompt.strip()) if p)
    if style.suffix.strip():
        suffix = style.suffix.strip()
        prompt = prompt + (suffix if suffix[0] in ",.;" else " " + suffix)
    negative = ", ".join(p for p in (request.negative_prompt.strip(), style.negative.strip()) if p)
    guidance = request.guidance if request.guidance is not None else style.guidance
    steps = request.steps
    if steps is None and default_steps is not None and style.steps_scale != 1.0:
        steps = max(1, int(round(default_steps * style.steps_scale)))
    return dataclasses.replace(request, prompt=prompt, negative_prompt=negative, guidance=guidance, steps=steps,
                               style=style.name)
