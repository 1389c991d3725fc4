"""Run a storyboard: plan every shot, generate in order (continuations from the previous last frame),
place each shot as a clip on the project's timeline, then export the timeline through core/export.

Everything is checked before the first generation. A failure or cancel mid-run keeps the shots already
made (their clips and media stay in the project); re-running regenerates shots as new takes in place.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_studio.core.cancel import CancelToken
from sora_studio.core.project.bundle import Project
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.storyboard import hooks
from sora_studio.core.storyboard.generator import GeneratedMedia, ShotGenerator, last_frame, write_png
from sora_studio.core.storyboard.model import Storyboard
from sora_studio.core.storyboard.plan import ShotPlan, plan_shot, plan_storyboard, storyboard_model
from sora_studio.core.storyboard.timeline_link import (find_shot_clip, generated_take, media_path,
                                                       place_shot, take_lineage)
from sora_studio.core.timeline.edits import Edit
from sora_studio.core.timeline.history import History
from sora_studio.core.timeline.model import Clip
from sora_studio.errors import BadInput

Progress = Callable[[str, int, int], None]  # (message, shots done, shots total)
STORYBOARD_KEY = "storyboard"  # project.metadata key holding the storyboard (plain data)


@dataclass
class ShotOutcome:
    shot_id: str
    clip_id: str
    takes: list[str]
    frames: int
    conditioning_image: str | None = None
    notices: list[str] = field(default_factory=list)


@dataclass
class StoryboardRun:
    shots: list[ShotOutcome]
    generate_s: float = 0.0
    pipeline_s: float | None = None
    export: Any = None  # ExportResult
    export_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "shots": [dataclasses.asdict(s) for s in self.shots],
            "frames": sum(s.frames for s in self.shots),
            "generate_s": round(self.generate_s, 3),
            "pipeline_s": None if self.pipeline_s is None else round(self.pipeline_s, 3),
            "export": self.export.to_dict() if self.export is not None else None,
            "export_s": round(self.export_s, 3),
        }


def _do(project: Project, history: History | None, edit: Edit) -> Edit:
    return history.do(edit) if history is not None else (edit.apply(project.timeline) or edit)


def check_project_rate(project: Project, storyboard: Storyboard) -> int:
    fps = storyboard.settings.fps or storyboard_model(storyboard).rules.native_fps
    if project.timeline.rate != fps:
        raise BadInput(f"the project runs at {project.timeline.rate} fps but the storyboard at {fps} fps; set "
                       f"fps = {project.timeline.rate} in [settings] or use another project")
    return fps


def continuation_image(project: Project, clip: Clip, shot_id: str) -> Path:
    """Save the last frame of `clip`'s active take as the first frame of the next shot (lossless PNG)."""
    take = clip.take
    if take is None:
        raise BadInput(f"shot {clip.name!r} has no media to continue from")
    frame = last_frame(project.resolve(take.url))
    path = write_png(frame, project.cache_dir / "storyboard" / f"{shot_id}-first-frame.png")
    hooks.register_studio_frame(path, "continue")  # the studio's own frame: no person-image check
    return path


@dataclass
class PendingTake:
    """One generation of a shot, prepared on the editor's thread and run anywhere (a worker thread)."""

    request: GenerationRequest
    output: Path
    key: str
    variation: int
    lineage: dict[str, Any]


def prepare_shot(project: Project, plan: ShotPlan, previous_clip: Clip | None = None) -> list[PendingTake]:
    """The generations of one shot: continuation frame extracted, take keys and output files chosen."""
    shot = plan.shot
    requests = plan.requests
    lineage: dict[str, Any] = {"shot_id": shot.id}
    if plan.continues:
        if previous_clip is None:
            raise BadInput(f"shot {plan.index + 1} continues the previous shot, which has no clip yet")
        image = str(continuation_image(project, previous_clip, shot.id))
        requests = [dataclasses.replace(r, image=image) for r in requests]
        lineage["continues_from"] = take_lineage(project, previous_clip)
    found = find_shot_clip(project.timeline, shot.id)
    taken = set(found[1].takes) if found else set()
    pending = []
    for variation, request in enumerate(requests, start=1):
        n = 1
        while f"take{n}" in taken:
            n += 1
        key = f"take{n}"
        taken.add(key)
        pending.append(PendingTake(request, media_path(project, shot.id, key), key, variation,
                                   {**lineage, "variation": variation}))
    return pending


def place_takes(project: Project, storyboard: Storyboard, plan: ShotPlan, pending: list[PendingTake],
                results: list[GeneratedMedia], do: Callable[[Edit], Any]) -> ShotOutcome:
    """Put generated takes of a shot on its clip (a new clip at the shot's place when it has none)."""
    shot = plan.shot
    notices: list[str] = []
    for item, generated in zip(pending, results):
        take = generated_take(project, generated.path, generated.recipe, **item.lineage)
        edit = place_shot(project.timeline, shot.title or f"Shot {plan.index + 1}", shot.id, item.key, take,
                          activate=item.variation == 1, order=[s.id for s in storyboard.shots])
        do(edit)
        notices += generated.notices
    found = find_shot_clip(project.timeline, shot.id)
    if found is None:
        raise BadInput(f"shot {plan.index + 1} could not be placed on the timeline")
    clip = found[1]
    image = pending[0].request.image if plan.continues and pending else None
    return ShotOutcome(shot.id, clip.id, [p.key for p in pending], clip.duration, image, notices)


def generate_shot(project: Project, storyboard: Storyboard, plan: ShotPlan, generator: ShotGenerator,
                  history: History | None = None, previous_clip: Clip | None = None,
                  cancel: CancelToken | None = None) -> ShotOutcome:
    """Generate every variation of one shot and put them on its clip (the first variation active)."""
    pending = prepare_shot(project, plan, previous_clip)
    results = []
    for item in pending:
        if cancel is not None:
            cancel.raise_if_cancelled()
        results.append(generator(item.request, item.output))
    return place_takes(project, storyboard, plan, pending, results, lambda edit: _do(project, history, edit))


def generation_order(plans: list[ShotPlan], loaded: str | None = None) -> list[ShotPlan]:
    """Shots grouped by model to avoid reloading models, keeping every continuation after its source shot.

    Each continued shot needs the previous shot's clip, so it waits for it; among the shots that are ready,
    one on the model already loaded goes first. Clips still land in storyboard order (see place_shot).
    """
    pending, done, order = list(plans), set(), []
    current = loaded
    while pending:
        ready = [p for p in pending if not p.continues or (p.index - 1) in done]
        chosen = next((p for p in ready if p.model.id == current), ready[0])
        pending.remove(chosen)
        done.add(chosen.index)
        order.append(chosen)
        current = chosen.model.id
    return order


def generate_storyboard(storyboard: Storyboard, project: Project, generator: ShotGenerator,
                        history: History | None = None, progress: Progress | None = None,
                        cancel: CancelToken | None = None, only: list[str] | None = None) -> StoryboardRun:
    """Generate all shots (or the shot ids in `only`) onto the project's timeline, in storyboard order."""
    plans = plan_storyboard(storyboard)
    check_project_rate(project, storyboard)
    project.metadata[STORYBOARD_KEY] = storyboard.to_dict()
    started = time.perf_counter()
    outcomes: list[ShotOutcome] = []
    selected = [p for p in plans if only is None or p.shot.id in only]
    loaded = getattr(generator, "loaded_model", None)
    for plan in generation_order(selected, loaded if isinstance(loaded, str) else None):
        if progress is not None:
            progress(f"shot {plan.index + 1}/{len(plans)}: {plan.shot.title or plan.shot.prompt[:40]}",
                     len(outcomes), len(selected))
        previous = None
        if plan.continues:
            found = find_shot_clip(project.timeline, storyboard.shots[plan.index - 1].id)
            if found is None:
                raise BadInput(f"shot {plan.index + 1} continues shot {plan.index}, which has not been generated; "
                               "generate it first")
            previous = found[1]
        outcomes.append(generate_shot(project, storyboard, plan, generator, history, previous, cancel))
    if progress is not None:
        progress("shots generated", len(outcomes), len(selected))
    outcomes.sort(key=lambda o: storyboard.index(o.shot_id))
    pipeline = getattr(generator, "pipeline_seconds", None)
    return StoryboardRun(outcomes, time.perf_counter() - started, pipeline)


def regenerate_shot(storyboard: Storyboard, project: Project, shot_id: str, generator: ShotGenerator,
                    history: History | None = None, cancel: CancelToken | None = None) -> ShotOutcome:
    """Make new take(s) of one shot on its existing clip (or place it, if it has none yet)."""
    index = storyboard.index(shot_id)
    plan = plan_shot(storyboard, storyboard.shots[index], index)
    previous = None
    if plan.continues:
        found = find_shot_clip(project.timeline, storyboard.shots[index - 1].id)
        if found is None:
            raise BadInput(f"shot {index + 1} continues shot {index}, which has not been generated yet")
        previous = found[1]
    return generate_shot(project, storyboard, plan, generator, history, previous, cancel)


def export_project(project: Project, out_path: str | Path, progress: Callable[[int, int], None] | None = None,
                   cancel: CancelToken | None = None) -> Any:
    """Export the timeline at the size of its first clip and the timeline rate (core/export/render.py)."""
    from sora_studio.core.export.presets import get_preset
    from sora_studio.core.export.render import render_timeline

    width, height = _first_clip_size(project)
    base = get_preset("720p")
    preset = dataclasses.replace(base, name="storyboard", label=f"storyboard {width}x{height}", width=width,
                                 height=height, fps=project.timeline.rate, aspect="")
    return render_timeline(project.timeline, project.resolve, out_path, preset, progress=progress, cancel=cancel)


def _first_clip_size(project: Project) -> tuple[int, int]:
    for track in project.timeline.video_tracks():
        for clip in track.clips:
            recipe = ((clip.take.metadata if clip.take else {}).get("sora_studio") or {}).get("recipe") or {}
            if recipe.get("width") and recipe.get("height"):
                w, h = int(recipe["width"]), int(recipe["height"])
                return w - w % 2, h - h % 2
    return project.settings.width, project.settings.height
