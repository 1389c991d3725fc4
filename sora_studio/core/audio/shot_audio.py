"""The storyboard's audio pass: for every generated shot, its sound on the timeline.

- a shot whose media carries sound (LTX-2) gets that sound as a linked 'sync' clip;
- a shot without sound and with sound notes gets a generated ambience bed (Stable Audio Open);
- a shot with dialogue gets each line spoken (neural TTS voice or espeak-ng) on its speaker's track.

Run it after `storyboard.run.generate_storyboard` and before the export. Each change is one Edit through
`history` (so it can be undone); a problem with one shot becomes a warning naming the shot, not a crash,
except bad input the user must fix (an unknown voice, a line outside its shot).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_studio.core.audio.ambience import make_ambience
from sora_studio.core.audio.dialogue import DEFAULT_VOICES, assign_voices, place_dialogue, speak_lines
from sora_studio.core.audio.placement import track_role
from sora_studio.core.audio.tts import TTSBackend, get_backend
from sora_studio.core.audio.tts.registry import FALLBACK
from sora_studio.core.timeline.edits import Edit, OverwriteClip
from sora_studio.core.timeline.model import NAMESPACE, Clip, Timeline, new_id
from sora_studio.errors import Cancelled, StudioError


@dataclass
class ShotAudioReport:
    sync: list[str] = field(default_factory=list)  # shot ids whose model sound was placed
    ambience: list[str] = field(default_factory=list)
    dialogue_lines: int = 0
    voices: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"sync": self.sync, "ambience": self.ambience, "dialogue_lines": self.dialogue_lines,
                "voices": self.voices, "warnings": self.warnings}


def _do(project: Any, history: Any, edit: Edit) -> None:
    if history is not None:
        history.do(edit)
    else:
        edit.apply(project.timeline)


def has_sync_partner(timeline: Timeline, clip: Clip) -> bool:
    if clip.link_group is None:
        return False
    return any(c.link_group == clip.link_group and track_role(t) == "sync" for t, c in timeline.clips())


def link_sync_audio(project: Any, clip: Clip) -> Edit | None:
    """The edit giving a video clip whose media has sound a linked sync clip (same take, start, source range);
    None when its media is silent or it already has one. (Storyboard clips are placed picture-only.)"""
    take = clip.take
    if take is None or take.missing or has_sync_partner(project.timeline, clip):
        return None
    media_id = (take.metadata.get(NAMESPACE) or {}).get("media_id")
    item = next((m for m in project.media if m.id == media_id or m.url == take.url), None)
    if item is None or not item.has_audio:
        return None
    from sora_studio.core.audio.placement import SetLinkGroup, role_track
    from sora_studio.core.timeline.edits import CompoundEdit

    track_id, add = role_track(project.timeline, "sync")
    group = clip.link_group or new_id("link")
    sound = Clip(name=clip.name, start=clip.start, duration=clip.duration, source_in=clip.source_in,
                 takes=dict(clip.takes), active_take=clip.active_take, link_group=group,
                 metadata={NAMESPACE: {**(clip.metadata.get(NAMESPACE) or {}), "kind": "audio"}})
    edits: list[Edit] = [add] if add else []
    if clip.link_group is None:
        edits.append(SetLinkGroup([clip.id], group))
    edits.append(OverwriteClip(track_id, sound, at=clip.start))
    return edits[0] if len(edits) == 1 else CompoundEdit(edits, label="Link Sync Sound")


def add_shot_audio(project: Any, storyboard: Any, history: Any = None, tts: TTSBackend | None = None,
                   voices: Mapping[str, str] | None = None, voice_samples: Mapping[str, Path] | None = None,
                   generate: Callable[..., Any] | None = None, ambience: bool = True,
                   ambience_model: str | None = None, rate_wpm: int = 165,
                   shot_generator: Any = None, only: Collection[str] | None = None) -> ShotAudioReport:
    """Sound for every shot of `storyboard` that has a clip on `project`'s timeline (only the shot ids in
    `only`, when given: the GUI runs it shot by shot; voices are still assigned over the whole storyboard).
    Ambience is generated with `shot_generator` (the storyboard's ShotGenerator, e.g. the engine worker) when
    given, else with `generate` (GenerationRequest -> GenerationOutput; default runner.generate in this process)."""
    from sora_studio.core.storyboard.timeline_link import find_shot_clip

    report = ShotAudioReport()
    settings = storyboard.settings
    tts = tts or get_backend(settings.tts)
    speakers = [line.speaker for shot in storyboard.shots for line in shot.dialogue]
    chosen = {**settings.voices, **(voices or {})}
    pool = DEFAULT_VOICES if tts.name == FALLBACK else tuple(v.id for v in tts.voices()) or DEFAULT_VOICES
    report.voices = assign_voices(speakers, chosen, pool) if speakers else {}
    for number, shot in enumerate(storyboard.shots, start=1):
        found = find_shot_clip(project.timeline, shot.id) if only is None or shot.id in only else None
        if found is None:
            continue
        clip = found[1]
        label = f"shot {number} ({shot.title or shot.prompt[:30]!r})"
        linked = link_sync_audio(project, clip)
        if linked is not None:
            _do(project, history, linked)
            report.sync.append(shot.id)
        clip = project.timeline.find_clip(clip.id)[1]
        if ambience and shot.sound.strip() and not has_sync_partner(project.timeline, clip):
            try:
                result = make_ambience(project, clip, shot.sound, generate, ambience_model, shot.seed, shot.id,
                                       shot_generator=shot_generator)
            except Cancelled:
                raise  # a stop is not a missing ambience
            except StudioError as exc:
                report.warnings.append(f"{label}: no ambience ({exc})")
            else:
                _do(project, history, result.edit)
                report.ambience.append(shot.id)
                report.warnings += [f"{label}: {w}" for w in result.warnings]
        if shot.dialogue:
            seconds = float(clip.duration / project.timeline.rate)
            spoken, warnings = speak_lines(shot.dialogue, seconds, tts, report.voices, rate_wpm, voice_samples)
            report.warnings += [f"{label}: {w}" for w in warnings]
            report.warnings += [f"{label}: {n}" for s in spoken for n in s.notices]
            edit, clips = place_dialogue(project, project.timeline.find_clip(clip.id)[1], spoken, shot.id, tts.name)
            if edit is not None:
                _do(project, history, edit)
                report.dialogue_lines += len(clips)
    return report
