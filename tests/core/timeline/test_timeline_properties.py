"""Property tests: random edit sequences keep the invariants, refusals change nothing, undo-all restores."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sora_studio.core.timeline import edits, otio_io
from sora_studio.core.timeline.history import History
from sora_studio.core.timeline.model import Clip, Take
from sora_studio.errors import BadInput

EDIT_KINDS = [
    "insert", "overwrite", "append", "move", "trim", "split", "split_all", "lift", "ripple", "enable",
    "lock", "mute", "add_track", "remove_track", "move_track", "add_take", "switch_take", "marker", "gain", "close_gap",
]


def _some_clip(data, timeline):
    clips = [c.id for _, c in timeline.clips()]
    return data.draw(st.sampled_from(clips)) if clips else "clip-none"


def _new_clip(data, counter):
    duration = data.draw(st.integers(1, 30))
    length = data.draw(st.one_of(st.none(), st.integers(duration, 120)))
    source_in = data.draw(st.integers(0, (length - duration) if length is not None else 20))
    return Clip(
        name=f"n{counter}", start=0, duration=duration, source_in=source_in,
        takes={"DEFAULT_MEDIA": Take(f"media/n{counter}.mp4", length)}, id=f"clip-n{counter}",
    )


def draw_edit(data, timeline, counter):
    kind = data.draw(st.sampled_from(EDIT_KINDS))
    tracks = [t.id for t in timeline.tracks] or ["none"]
    track = data.draw(st.sampled_from(tracks))
    frame = data.draw(st.integers(0, 80))
    if kind in ("insert", "overwrite"):
        cls = edits.InsertClip if kind == "insert" else edits.OverwriteClip
        return cls(track, _new_clip(data, counter), at=frame)
    if kind == "append":
        return edits.AppendClip(track, _new_clip(data, counter))
    if kind == "move":
        return edits.MoveClips([_some_clip(data, timeline)], data.draw(st.integers(-30, 30)),
                               data.draw(st.integers(-1, 1)), linked=data.draw(st.booleans()))
    if kind == "trim":
        return edits.TrimClip(_some_clip(data, timeline), data.draw(st.sampled_from(["in", "out"])),
                              data.draw(st.integers(-20, 20)), ripple=data.draw(st.booleans()))
    if kind == "split":
        return edits.SplitClips(frame, [_some_clip(data, timeline)])
    if kind == "split_all":
        return edits.SplitClips(frame)
    if kind == "lift":
        return edits.Lift([_some_clip(data, timeline)])
    if kind == "ripple":
        return edits.RippleDelete([_some_clip(data, timeline)], linked=data.draw(st.booleans()))
    if kind == "enable":
        return edits.SetClipEnabled([_some_clip(data, timeline)], data.draw(st.booleans()))
    if kind in ("lock", "mute"):
        return edits.SetTrackFlag(track, "locked" if kind == "lock" else "muted", data.draw(st.booleans()))
    if kind == "add_track":
        return edits.AddTrack(data.draw(st.sampled_from(["video", "audio"])), track_id=f"track-n{counter}")
    if kind == "remove_track":
        return edits.RemoveTrack(track)
    if kind == "move_track":
        return edits.MoveTrack(track, data.draw(st.integers(0, 2)))
    if kind == "add_take":
        return edits.AddTake(_some_clip(data, timeline), f"ai-{counter}",
                             Take(f"media/ai{counter}.mp4", data.draw(st.one_of(st.none(), st.integers(1, 120)))),
                             activate=data.draw(st.booleans()))
    if kind == "switch_take":
        clip_id = _some_clip(data, timeline)
        keys = list(timeline.find_clip(clip_id)[1].takes) if clip_id != "clip-none" else ["x"]
        return edits.SetActiveTake(clip_id, data.draw(st.sampled_from(keys + ["missing"])))
    if kind == "close_gap":
        return edits.CloseGap(track, frame)
    if kind == "gain":
        return edits.SetClipGain([_some_clip(data, timeline)], data.draw(st.integers(-12, 6)))
    return edits.AddMarker(frame, f"m{counter}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_edits_then_undo_all_restores_the_original(timeline_factory, data):
    timeline = timeline_factory()
    original = timeline.snapshot()
    history = History(timeline)
    states = [original]
    for counter in range(data.draw(st.integers(1, 12))):
        edit = draw_edit(data, timeline, counter)
        before = timeline.snapshot()
        try:
            history.do(edit, merge=data.draw(st.booleans()))
        except BadInput:
            assert timeline.snapshot() == before, f"refused {edit!r} changed the timeline"
            event(f"refused {type(edit).__name__}")
            continue
        timeline.check_invariants()
        event(f"applied {type(edit).__name__}")
        states.append(timeline.snapshot())
        if data.draw(st.booleans()):
            history.close_merge()
    final = timeline.snapshot()
    reloaded, warnings = otio_io.loads(otio_io.dumps(timeline))  # our file format keeps every edit's result
    assert reloaded.snapshot() == final and warnings == []
    undone = 0
    while history.can_undo:
        history.undo()
        undone += 1
        timeline.check_invariants()
        assert timeline.snapshot() in states
    assert timeline.snapshot() == original
    while history.can_redo:
        history.redo()
        timeline.check_invariants()
    assert timeline.snapshot() == final
