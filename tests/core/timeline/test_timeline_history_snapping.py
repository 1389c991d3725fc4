"""Headless undo/redo (merging drags, clean state) and snapping to edges, playhead and markers."""

from __future__ import annotations

import pytest

from sora_studio.core.timeline import edits, queries
from sora_studio.core.timeline.history import History
from sora_studio.core.timeline.snapping import snap, snap_delta, snap_targets
from sora_studio.errors import BadInput


def test_undo_redo_and_labels(timeline):
    history = History(timeline)
    calls = []
    history.changed.connect(lambda: calls.append(1))
    original = timeline.snapshot()
    history.do(edits.Lift(["clip-b"]))
    lifted = timeline.snapshot()
    assert history.can_undo and not history.can_redo and history.undo_label == "Lift"
    history.undo()
    assert timeline.snapshot() == original and history.redo_label == "Lift"
    history.redo()
    assert timeline.snapshot() == lifted
    assert len(calls) == 3


def test_refused_edit_is_not_recorded(timeline):
    history = History(timeline)
    with pytest.raises(BadInput):
        history.do(edits.MoveClips(["clip-b"], 5))
    assert not history.can_undo


def test_a_drag_merges_into_one_undo_step_until_closed(timeline):
    history = History(timeline)
    original = timeline.snapshot()
    for _ in range(4):
        history.do(edits.MoveClips(["clip-c"], 1))
    history.close_merge()
    history.do(edits.MoveClips(["clip-c"], 1))  # a new drag: its own step
    assert timeline.find_clip("clip-c")[1].start == 35
    history.undo()
    assert timeline.find_clip("clip-c")[1].start == 34
    history.undo()
    assert timeline.snapshot() == original and not history.can_undo


def test_new_edit_clears_redo_and_clean_state_follows_saves(timeline):
    history = History(timeline)
    assert history.is_clean
    history.do(edits.Lift(["clip-b"]))
    assert not history.is_clean
    history.mark_clean()
    history.undo()
    assert not history.is_clean
    history.redo()
    assert history.is_clean
    history.undo()
    history.do(edits.Lift(["clip-c"]))
    assert not history.can_redo and not history.is_clean


def test_history_limit_drops_oldest(timeline):
    history = History(timeline, limit=2)
    for frame in (1, 2, 3):
        history.do(edits.AddMarker(frame))
    history.undo()
    history.undo()
    assert not history.can_undo and [m.frame for m in timeline.markers] == [1]


def test_snap_to_clip_edges_playhead_and_markers(timeline):
    edits.AddMarker(47, "beat").apply(timeline)
    assert snap(12, timeline, threshold=3) == 10  # end of a
    assert snap(18, timeline, threshold=3) == 20  # start of b
    assert snap(60, timeline, playhead=58, threshold=3) == 58
    assert snap(45, timeline, threshold=3) == 47  # marker
    assert snap(45, timeline, threshold=1) is None
    assert snap(29, timeline, threshold=2, exclude_clip_ids={"clip-b", "clip-c"}) is None


def test_snap_delta_picks_the_closest_edge(timeline):
    # dragging clip-t (5..15) by +3 puts its edges at 8 and 18; 18 is 2 from b's start at 20
    assert snap_delta([8, 18], timeline, threshold=3, exclude_clip_ids={"clip-t"}) == 2
    assert snap_delta([62], timeline, threshold=3) is None
    assert 40 in snap_targets(timeline) and 0 in snap_targets(timeline)


def test_queries(timeline):
    assert [c.id for _, c in queries.clips_at(timeline, 7)] == ["clip-a", "clip-t", "clip-aa"]
    assert {c.id for _, c in queries.linked_clips(timeline, "clip-a")} == {"clip-a", "clip-aa"}
    assert queries.gaps(timeline.track("v1")) == [(10, 10)]
    assert queries.next_edit_point(timeline, 10) == 15
    assert queries.previous_edit_point(timeline, 10) == 5
    assert queries.stats(timeline)["clips"] == 5
