"""The storyboard: ordered shot cards plus global settings. Qt-free, evented, plain data.

A shot is one slot on the timeline: the clip made for it carries `metadata["sora_studio"]["shot_id"]`.
Cameo mentions (`@name`) are parsed from the prompt and kept; plan_shot checks them through the generation check.
Dialogue lines and sound notes are kept for the audio pass; the video generation does not use them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sora_studio.core.events import Signal
from sora_studio.core.storyboard.problems import ShotProblem
from sora_studio.errors import BadInput

Transition = Literal["cut", "continue"]
TRANSITIONS = ("cut", "continue")
CAMERA_MOVES = ("static", "pan-left", "pan-right", "tilt-up", "tilt-down", "dolly-in", "dolly-out", "tracking",
                "orbit", "crane-up", "crane-down", "handheld", "zoom-in", "zoom-out")
SHOT_SIZES = ("extreme-wide", "wide", "full", "medium", "medium-close", "close-up", "extreme-close-up")
ASPECTS = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1)}
VARIATION_COUNTS = (1, 2, 4)
MAX_SHOTS = 200

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z][\w.-]{0,63})")


def new_shot_id() -> str:
    return f"shot-{uuid.uuid4().hex[:8]}"


def parse_cameo_mentions(text: str) -> list[str]:
    """`@name` mentions in order of first appearance (an e-mail address is not a mention)."""
    seen: list[str] = []
    for match in _MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".-")
        if name and name not in seen:
            seen.append(name)
    return seen


@dataclass
class DialogueLine:
    speaker: str
    text: str


@dataclass
class Shot:
    """One shot card. `seconds` is the asked duration (the model snaps it to its frame rule with a notice)."""

    prompt: str
    seconds: float = 3.0
    camera: str = "static"
    size: str = "medium"
    style: str | None = None  # None: the storyboard's style
    negative_prompt: str = ""
    dialogue: list[DialogueLine] = field(default_factory=list)
    sound: str = ""
    transition: Transition = "cut"  # how this shot starts: a hard cut, or continuing the previous shot's last frame
    seed: int | None = None  # a locked seed (None: a fresh seed per generation)
    variations: int = 1
    image: str | None = None  # first-frame image (image-to-video)
    last_image: str | None = None  # last-frame image (first+last frame models only)
    title: str = ""
    id: str = field(default_factory=new_shot_id)

    @property
    def cameos(self) -> list[str]:
        return parse_cameo_mentions(self.prompt)

    @property
    def seed_locked(self) -> bool:
        return self.seed is not None

    def check(self, label: str = "shot") -> None:
        """ShotProblem (a BadInput naming the key) for values no model can use; model limits come later."""
        def bad(key: str | None, message: str) -> ShotProblem:
            return ShotProblem(f"{label}: {message}", self.id, key)

        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise bad("prompt", "the prompt is empty; describe the shot")
        if isinstance(self.seconds, bool) or not isinstance(self.seconds, (int, float)) or self.seconds <= 0:
            raise bad("seconds", f"duration {self.seconds!r} s must be a positive number of seconds")
        if self.camera not in CAMERA_MOVES:
            raise bad("camera", f"unknown camera move {self.camera!r}; choose one of {', '.join(CAMERA_MOVES)}")
        if self.size not in SHOT_SIZES:
            raise bad("size", f"unknown shot size {self.size!r}; choose one of {', '.join(SHOT_SIZES)}")
        if self.transition not in TRANSITIONS:
            raise bad("transition", f"transition {self.transition!r} must be 'cut' or 'continue'")
        if self.variations not in VARIATION_COUNTS or isinstance(self.variations, bool):
            raise bad("variations", f"variations must be 1, 2 or 4, not {self.variations!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)
                                      or not 0 <= self.seed < 2**63):
            raise bad("seed", f"seed {self.seed!r} must be a whole number >= 0")
        if self.transition == "continue" and self.image:
            raise bad("image", "a continued shot starts from the previous shot's last frame; "
                               "remove `image` or use transition = 'cut'")
        if self.last_image and not self.image and self.transition != "continue":
            raise bad("last_image", "a last frame needs a first frame: add `image` (or continue the previous shot)")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Shot:
        data = dict(data)
        data["dialogue"] = [DialogueLine(**d) if isinstance(d, dict) else d for d in data.get("dialogue", [])]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class StoryboardSettings:
    aspect: str = "16:9"
    resolution: int = 480  # the short side in pixels (the model rounds to its size multiple)
    fps: int | None = None  # None: the model's native rate
    style: str | None = None
    model: str | None = None  # None: the best installed text-to-video model (else the tiny Wan)
    continue_model: str | None = None  # image-to-video model for 'continue' cuts (None: chosen by rule)
    negative_prompt: str = ""
    max_seconds: float = 120.0  # the storyboard's own limit on total length
    steps: int | None = None
    guidance: float | None = None
    tts: str | None = None  # dialogue voice engine: 'espeak-ng' (None) or a models/tts manifest id
    voices: dict[str, str] = field(default_factory=dict)  # speaker -> voice of that engine (the rest by rule)

    def size(self) -> tuple[int, int]:
        """(width, height) for the aspect with `resolution` as the short side."""
        if self.aspect not in ASPECTS:
            raise BadInput(f"aspect {self.aspect!r} is not supported; choose one of {', '.join(ASPECTS)}")
        a, b = ASPECTS[self.aspect]
        short = int(self.resolution)
        if a >= b:
            return int(round(short * a / b)), short
        return short, int(round(short * b / a))

    def check(self) -> None:
        self.size()
        if isinstance(self.resolution, bool) or not isinstance(self.resolution, int) or not 16 <= self.resolution <= 2160:
            raise BadInput(f"resolution {self.resolution!r} must be a whole number of pixels between 16 and 2160")
        if self.fps is not None and (isinstance(self.fps, bool) or not isinstance(self.fps, int) or not 1 <= self.fps <= 120):
            raise BadInput(f"fps {self.fps!r} must be a whole number between 1 and 120")
        if not isinstance(self.max_seconds, (int, float)) or self.max_seconds <= 0:
            raise BadInput(f"max_seconds {self.max_seconds!r} must be a positive number")
        if self.tts is not None:
            from sora_studio.core.audio.tts.registry import FALLBACK
            from sora_studio.core.audio.tts.neural import tts_manifests

            known = [FALLBACK, *sorted(tts_manifests())]
            if not isinstance(self.tts, str) or self.tts not in known:
                raise BadInput(f"tts {self.tts!r} is not a known voice engine; choose one of {', '.join(known)}")
        if not isinstance(self.voices, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                         for k, v in self.voices.items()):
            raise BadInput('voices is a table of speaker = "voice", e.g. voices = { Ana = "en-gb", "@alice" = "en" }')

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Storyboard:
    """Ordered shots + settings. `changed` is emitted with a reason ('shots', 'shot', 'settings')."""

    def __init__(self, shots: list[Shot] | None = None, settings: StoryboardSettings | None = None,
                 title: str = "Untitled storyboard") -> None:
        self.shots: list[Shot] = list(shots or [])
        self.settings = settings or StoryboardSettings()
        self.title = title
        self.changed = Signal()

    # -- queries ---------------------------------------------------------------------------
    def index(self, shot_id: str) -> int:
        for i, shot in enumerate(self.shots):
            if shot.id == shot_id:
                return i
        raise BadInput(f"no shot with id {shot_id!r} in this storyboard")

    def shot(self, shot_id: str) -> Shot:
        return self.shots[self.index(shot_id)]

    @property
    def total_seconds(self) -> float:
        return float(sum(s.seconds for s in self.shots))

    @property
    def cameos(self) -> list[str]:
        names: list[str] = []
        for shot in self.shots:
            names += [n for n in shot.cameos if n not in names]
        return names

    def check(self) -> None:
        """Model-independent validation of every shot and the settings (BadInput names the shot)."""
        self.settings.check()
        if not self.shots:
            raise BadInput("the storyboard has no shots; add at least one [[shot]]")
        if len(self.shots) > MAX_SHOTS:
            raise BadInput(f"the storyboard has {len(self.shots)} shots; at most {MAX_SHOTS} are supported")
        ids = set()
        for i, shot in enumerate(self.shots):
            shot.check(f"shot {i + 1}")
            if shot.id in ids:
                raise ShotProblem(f"shot {i + 1}: id {shot.id!r} is used twice", shot.id, "id")
            ids.add(shot.id)
        if self.shots[0].transition == "continue":
            raise ShotProblem("shot 1 cannot continue from a previous shot; use transition = 'cut'",
                              self.shots[0].id, "transition")
        if self.total_seconds > self.settings.max_seconds:
            raise BadInput(f"the storyboard is {self.total_seconds:g} s long, over its limit of "
                           f"{self.settings.max_seconds:g} s (max_seconds); shorten or remove shots")

    # -- edits -----------------------------------------------------------------------------
    def add(self, shot: Shot, index: int | None = None) -> Shot:
        if any(s.id == shot.id for s in self.shots):
            raise BadInput(f"a shot with id {shot.id!r} is already in the storyboard")
        self.shots.insert(len(self.shots) if index is None else max(0, min(index, len(self.shots))), shot)
        self.changed.emit("shots")
        return shot

    def remove(self, shot_id: str) -> Shot:
        shot = self.shots.pop(self.index(shot_id))
        self.changed.emit("shots")
        return shot

    def move(self, shot_id: str, new_index: int) -> None:
        """Reorder: the shot ends up at `new_index` (clamped)."""
        shot = self.shots.pop(self.index(shot_id))
        self.shots.insert(max(0, min(new_index, len(self.shots))), shot)
        self.changed.emit("shots")

    def update(self, shot_id: str, **values: Any) -> Shot:
        """Change fields of one shot; refused (and nothing changed) when the result is invalid."""
        shot = self.shot(shot_id)
        unknown = set(values) - set(Shot.__dataclass_fields__) - {"dialogue"}
        if unknown or "id" in values:
            raise BadInput(f"cannot set {', '.join(sorted(unknown | ({'id'} & set(values))))} on a shot")
        candidate = Shot.from_dict({**shot.to_dict(), **values})
        candidate.check(f"shot {self.index(shot_id) + 1}")
        self.shots[self.index(shot_id)] = candidate
        self.changed.emit("shot", shot_id)
        return candidate

    # -- plain data ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "settings": self.settings.to_dict(), "shots": [s.to_dict() for s in self.shots]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Storyboard:
        settings = StoryboardSettings(**{k: v for k, v in (data.get("settings") or {}).items()
                                         if k in StoryboardSettings.__dataclass_fields__})
        return cls([Shot.from_dict(s) for s in data.get("shots", [])], settings, str(data.get("title") or "Untitled"))
