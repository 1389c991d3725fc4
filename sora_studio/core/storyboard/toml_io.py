"""Storyboard files (TOML): read with line-numbered errors, write back (atomically).

    title = "..."
    [settings]            aspect, resolution, fps, style, model, continue_model, negative_prompt, max_seconds,
                          steps, guidance, tts (voice engine), voices = { speaker = "voice" }
    [[shot]]              prompt (required), seconds, camera, size, style, negative_prompt, transition,
                          seed, variations, image, last_image, sound, title, id, dialogue = [{speaker, text}]

tomllib reports syntax errors with their line; for semantic errors we find the line of the offending
key ourselves (see `_scan_lines`). Relative image paths are resolved against the file's folder.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from sora_studio.core.fsutil import atomic_write_text
from sora_studio.core.storyboard.model import DialogueLine, Shot, Storyboard, StoryboardSettings, new_shot_id
from sora_studio.core.storyboard.problems import ShotProblem, SourceMap
from sora_studio.errors import BadInput

MAX_FILE_BYTES = 2 * 1024 * 1024
TOP_KEYS = {"title", "settings", "shot"}
SHOT_KEYS = set(Shot.__dataclass_fields__)
SETTINGS_KEYS = set(StoryboardSettings.__dataclass_fields__)
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_AT_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def load_storyboard(path: str | Path) -> tuple[Storyboard, SourceMap]:
    """Read and validate a storyboard file; BadInput says FILE:LINE: what is wrong."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BadInput(f"{path.name} is larger than {MAX_FILE_BYTES // 1024} KiB; is it really a storyboard?")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"storyboard file {path} does not exist") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path.name} is not UTF-8 text; save the storyboard as UTF-8") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    return loads_storyboard(text, path)


def loads_storyboard(text: str, path: Path | None = None) -> tuple[Storyboard, SourceMap]:
    name = path.name if path else "storyboard"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)  # Python >= 3.14; older versions put it in the message
        reason = getattr(exc, "msg", str(exc))
        found = _AT_LINE.search(str(exc))
        if line is None and found:
            line, reason = int(found.group(1)), str(exc)[: found.start()].strip() + f" (column {found.group(2)})"
        raise BadInput(f"{name}:{line}: TOML syntax error: {reason}" if line else f"{name}: TOML syntax error: {exc}")
    raw_shots = data.get("shot", [])
    shot_ids = [s.get("id") if isinstance(s, dict) and isinstance(s.get("id"), str) else None for s in raw_shots] \
        if isinstance(raw_shots, list) else []
    shot_ids = [sid or new_shot_id() for sid in shot_ids]
    source = SourceMap(path, _scan_lines(text, shot_ids))
    try:
        storyboard = _build(data, shot_ids, path.parent if path else Path.cwd())
        storyboard.check()
    except BadInput as exc:
        if isinstance(exc, ShotProblem):
            raise source.locate(exc) from None
        raise BadInput(f"{name}: {exc}") from None
    return storyboard, source


def _problem(message: str, table: str | None, key: str | None = None) -> ShotProblem:
    return ShotProblem(message, table, key)


def _build(data: dict[str, Any], shot_ids: list[str], base: Path) -> Storyboard:
    for key in data:
        if key not in TOP_KEYS:
            raise _problem(f"unknown top-level key {key!r}; expected title, [settings] and [[shot]] tables",
                           "top", key)
    settings_data = data.get("settings", {})
    if not isinstance(settings_data, dict):
        raise _problem("settings must be a table: [settings]", "top", "settings")
    for key in settings_data:
        if key not in SETTINGS_KEYS:
            raise _problem(f"unknown setting {key!r}; known: {', '.join(sorted(SETTINGS_KEYS))}", "settings", key)
    settings = StoryboardSettings(**settings_data)
    for key in settings_data:  # validate key by key so the error points at its line
        try:
            StoryboardSettings(**{key: settings_data[key]}).check()
        except (BadInput, TypeError, ValueError) as exc:
            raise _problem(f"settings: {exc}", "settings", key) from None
    for key in ("style", "model", "continue_model", "negative_prompt"):
        value = settings_data.get(key)
        if value is not None and not isinstance(value, str):
            raise _problem(f"settings: {key} must be text", "settings", key)
    raw_shots = data.get("shot", [])
    if not isinstance(raw_shots, list):
        raise _problem("shots are written as [[shot]] tables", "top", "shot")
    title = data.get("title", "Untitled storyboard")
    if not isinstance(title, str):
        raise _problem("title must be text", "top", "title")
    shots = [_shot(raw, shot_ids[i], i, base) for i, raw in enumerate(raw_shots)]
    return Storyboard(shots, settings, title)


def _shot(raw: Any, shot_id: str, index: int, base: Path) -> Shot:
    label = f"shot {index + 1}"
    if not isinstance(raw, dict):
        raise _problem(f"{label} must be a table", shot_id)
    for key in raw:
        if key not in SHOT_KEYS:
            raise _problem(f"{label}: unknown key {key!r}; known: {', '.join(sorted(SHOT_KEYS))}", shot_id, key)
    if "prompt" not in raw:
        raise _problem(f"{label}: missing prompt", shot_id)
    values = dict(raw)
    values["id"] = shot_id
    for key in ("prompt", "camera", "size", "style", "negative_prompt", "transition", "image", "last_image",
                "sound", "title", "id"):
        if key in values and values[key] is not None and not isinstance(values[key], str):
            raise _problem(f"{label}: {key} must be text", shot_id, key)
    for key in ("image", "last_image"):
        if values.get(key):
            file = Path(values[key]).expanduser()
            file = file if file.is_absolute() else base / file
            if not file.is_file():
                raise _problem(f"{label}: {key} file {values[key]} does not exist (looked in {file.parent})",
                               shot_id, key)
            if not _is_image(file):
                raise _problem(f"{label}: {key} file {values[key]} is not a readable image (PNG, JPEG, WebP...)",
                               shot_id, key)
            values[key] = str(file.resolve())
    values["dialogue"] = _dialogue(values.get("dialogue", []), label, shot_id)
    for key, value in values.items():  # one key at a time against a valid shot: the error names the key
        if key in ("prompt", "id", "dialogue", "image", "last_image"):
            continue
        try:
            Shot(prompt="x", **{key: value}).check(label)
        except (TypeError, ValueError) as exc:
            raise _problem(f"{label}: {key} has a wrong type ({exc})", shot_id, key) from None
        except BadInput as exc:
            raise _problem(str(exc), shot_id, key) from None
    if not values["prompt"].strip():
        raise _problem(f"{label}: the prompt is empty; describe the shot", shot_id, "prompt")
    shot = Shot(**values)
    try:
        shot.check(label)
    except BadInput as exc:
        raise _problem(str(exc), shot_id, getattr(exc, "key", None)) from None
    return shot


def _is_image(path: Path) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.verify()
        return True
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        return False


def _dialogue(raw: Any, label: str, shot_id: str) -> list[DialogueLine]:
    if not isinstance(raw, list):
        raise _problem(f"{label}: dialogue is a list of {{speaker, text}} tables", shot_id, "dialogue")
    lines = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"speaker", "text"} or not isinstance(item.get("text"), str):
            raise _problem(f"{label}: each dialogue line needs speaker and text, e.g. "
                           '{ speaker = "Ana", text = "Hello" }', shot_id, "dialogue")
        lines.append(DialogueLine(str(item.get("speaker", "")), item["text"]))
    return lines


def _scan_lines(text: str, shot_ids: list[str]) -> dict[tuple[str, str | None], int]:
    """(table, key) -> 1-based line: tables are 'top', 'settings' or a shot id (the n-th [[shot]])."""
    lines: dict[tuple[str, str | None], int] = {}
    table, shot_count = "top", -1
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = header.group(2).replace('"', "").strip()
            if header.group(1) == "[[" and name == "shot":
                shot_count += 1
                table = shot_ids[shot_count] if shot_count < len(shot_ids) else f"shot#{shot_count}"
                lines.setdefault((table, None), number)
            elif name == "settings":
                table = "settings"
                lines.setdefault((table, None), number)
            elif not name.startswith("shot."):
                table = name
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((table, key.group(1)), number)
    return lines


def dumps_storyboard(storyboard: Storyboard) -> str:
    """TOML text for a storyboard (the format load_storyboard reads)."""
    out = [f"title = {_value(storyboard.title)}", "", "[settings]"]
    for key, value in storyboard.settings.to_dict().items():
        if value is not None and value != {}:
            out.append(f"{key} = {_value(value)}")
    for shot in storyboard.shots:
        out += ["", "[[shot]]"]
        for key, value in shot.to_dict().items():
            if value is None or value == [] or value == "":
                continue
            out.append(f"{key} = {_value(value)}")
    return "\n".join(out) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key: str) -> str:
    """A TOML key: bare when it can be (`Ana`), quoted otherwise (`"@alice"`, `"Old man"`)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def save_storyboard(storyboard: Storyboard, path: str | Path) -> None:
    atomic_write_text(Path(path), dumps_storyboard(storyboard))
