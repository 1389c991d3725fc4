"""One behaviour per test for every Edit: result, exact undo, refusals that leave the timeline untouched."""

from __future__ import annotations

import pytest

from sora_studio.core.timeline import edits
from sora_studio.core.timeline.model import Take
from sora_studio.errors import BadInput


def apply_and_check(timeline, edit):
    """Apply, check invariants, revert, check the snapshot is back, re-apply (redo) and return."""
    before = timeline.snapshot()
    edit.apply(timeline)
    timeline.check_invariants()
    after = timeline.snapshot()
    edit.revert(timeline)
    assert timeline.snapshot() == before
    edit.apply(timeline)
    assert timeline.snapshot() == after
    return edit


def refused(timeline, edit, match):
    before = timeline.snapshot()
    with pytest.raises(BadInput, match=match):
        edit.apply(timeline)
    assert timeline.snapshot() == before


# -- tracks -------------------------------------------------------------------------------------
def test_add_track_goes_above_videos_or_after_audio(timeline):
    apply_and_check(timeline, edits.AddTrack("video", track_id="v3"))
    apply_and_check(timeline, edits.AddTrack("audio", track_id="a2"))
    assert [t.id for t in timeline.tracks] == ["v1", "v2", "v3", "a1", "a2"]
    assert timeline.track("v3").name == "V3"


def test_add_track_at_index_and_refuses_bad_kind(timeline):
    apply_and_check(timeline, edits.AddTrack("video", "Bottom", index=0, track_id="v0"))
    assert timeline.tracks[0].id == "v0"
    with pytest.raises(BadInput):
        edits.AddTrack("subtitle")  # type: ignore[arg-type]
    refused(timeline, edits.AddTrack("audio", index=5), "out of range")


def test_remove_track_and_undo_restores_clips(timeline):
    apply_and_check(timeline, edits.RemoveTrack("v2"))
    assert [t.id for t in timeline.tracks] == ["v1", "a1"]


def test_move_track_within_kind(timeline):
    apply_and_check(timeline, edits.MoveTrack("v2", 0))
    assert [t.id for t in timeline.tracks] == ["v2", "v1", "a1"]
    refused(timeline, edits.MoveTrack("a1", 1), "out of range")


def test_locked_track_refuses_clip_edits_but_can_be_unlocked(timeline):
    edits.SetTrackFlag("v1", "locked", True).apply(timeline)
    refused(timeline, edits.Lift(["clip-b"]), "locked")
    refused(timeline, edits.RemoveTrack("v1"), "locked")
    refused(timeline, edits.TrimClip("clip-b", "out", -2), "locked")
    # the linked audio partner is not locked, but its video partner is: the whole move is refused
    refused(timeline, edits.MoveClips(["clip-aa"], 50), "locked")
    apply_and_check(timeline, edits.SetTrackFlag("v1", "locked", False))
    assert not timeline.track("v1").locked


def test_track_flags_and_properties(timeline):
    for flag in ("muted", "solo", "enabled"):
        value = not getattr(timeline.track("a1"), flag)
        apply_and_check(timeline, edits.SetTrackFlag("a1", flag, value))
        assert getattr(timeline.track("a1"), flag) is value
    with pytest.raises(BadInput):
        edits.SetTrackFlag("a1", "volume", True)
    apply_and_check(timeline, edits.SetTrackProperty("a1", "gain_db", -6))
    assert timeline.track("a1").gain_db == -6.0


# -- placing clips ------------------------------------------------------------------------------
def test_insert_splits_the_clip_under_it_and_pushes_later_clips(timeline, make_clip, layout_of):
    edit = apply_and_check(timeline, edits.InsertClip("v1", make_clip("n", 0, 4), at=25))
    assert layout_of(timeline, "v1") == [("a", 0, 10, 5), ("b", 20, 5, 0), ("n", 25, 4, 0), ("b", 29, 5, 5), ("c", 34, 10, 50)]
    right = timeline.track("v1").clips[3]
    assert right.id == edit.new_ids["clip-b"] != "clip-b"
    # other tracks are not touched
    assert [c.start for c in timeline.track("v2").clips] == [5]


def test_insert_keeps_split_ids_stable_across_redo(timeline, make_clip):
    edit = edits.InsertClip("v1", make_clip("n", 0, 4), at=25)
    edit.apply(timeline)
    first = [c.id for c in timeline.track("v1").clips]
    edit.revert(timeline)
    edit.apply(timeline)
    assert [c.id for c in timeline.track("v1").clips] == first


def test_overwrite_trims_removes_and_cuts_what_it_covers(timeline, make_clip, layout_of):
    apply_and_check(timeline, edits.OverwriteClip("v1", make_clip("n", 0, 15), at=5))
    assert layout_of(timeline, "v1") == [("a", 0, 5, 5), ("n", 5, 15, 0), ("b", 20, 10, 0), ("c", 30, 10, 50)]


def test_overwrite_inside_one_clip_cuts_it_in_two(timeline, make_clip, layout_of):
    apply_and_check(timeline, edits.OverwriteClip("v1", make_clip("n", 0, 2), at=33))
    assert layout_of(timeline, "v1")[2:] == [("c", 30, 3, 50), ("n", 33, 2, 0), ("c", 35, 5, 55)]


def test_append_places_linked_pair_after_the_last_clip(timeline, make_clip):
    video, audio = make_clip("v", 0, 5, link_group="g"), make_clip("va", 0, 5, link_group="g")
    apply_and_check(timeline, edits.AppendClip("v2", video, also=[("a1", audio)]))
    assert timeline.find_clip("clip-v")[1].start == 15  # V2 ends at 15, A1 at 10: both start at 15
    assert timeline.find_clip("clip-va")[1].start == 15


def test_placing_a_clip_twice_or_past_its_media_is_refused(timeline, make_clip):
    refused(timeline, edits.AppendClip("v2", make_clip("b", 0, 5)), "already in the timeline")
    refused(timeline, edits.AppendClip("v2", make_clip("long", 0, 50, source_in=60)), "past the end of its media")
    refused(timeline, edits.AppendClip("nope", make_clip("x", 0, 5)), "no track")


# -- moving -------------------------------------------------------------------------------------
def test_move_linked_clips_together(timeline):
    apply_and_check(timeline, edits.MoveClips(["clip-a"], 8))
    assert timeline.find_clip("clip-a")[1].start == 8
    assert timeline.find_clip("clip-aa")[1].start == 8  # linked audio followed


def test_move_unlinked_leaves_partner(timeline):
    apply_and_check(timeline, edits.MoveClips(["clip-a"], 8, linked=False))
    assert timeline.find_clip("clip-aa")[1].start == 0


def test_move_refuses_overlap_and_negative_start(timeline):
    refused(timeline, edits.MoveClips(["clip-b"], 5), "overlap")
    refused(timeline, edits.MoveClips(["clip-a"], -1), "before the beginning")


def test_move_several_clips_across_tracks(timeline):
    apply_and_check(timeline, edits.MoveClips(["clip-b", "clip-c"], 30, track_delta=1))
    v2 = [(c.id, c.start) for c in timeline.track("v2").clips]
    assert v2 == [("clip-t", 5), ("clip-b", 50), ("clip-c", 60)]
    refused(timeline, edits.MoveClips(["clip-t"], 0, track_delta=1), "no video track")


def test_moves_of_the_same_clips_merge_into_one_step(timeline):
    before = timeline.snapshot()
    first = edits.MoveClips(["clip-c"], 2)
    first.apply(timeline)
    second = edits.MoveClips(["clip-c"], 3)
    second.apply(timeline)
    assert first.merge_with(second)
    assert not first.merge_with(edits.MoveClips(["clip-b"], 1))
    assert not first.merge_with(edits.Lift(["clip-c"]))
    assert timeline.find_clip("clip-c")[1].start == 35
    first.revert(timeline)
    assert timeline.snapshot() == before
    first.apply(timeline)
    assert timeline.find_clip("clip-c")[1].start == 35


# -- trimming -----------------------------------------------------------------------------------
def test_trim_out_refuses_overlap_and_clamps_to_media(timeline, layout_of):
    refused(timeline, edits.TrimClip("clip-b", "out", 1), "overlap")
    edit = apply_and_check(timeline, edits.TrimClip("clip-c", "out", 500))
    assert edit.applied_delta == 40  # media is 100 frames, source_in 50, duration 10
    assert layout_of(timeline, "v1")[-1] == ("c", 30, 50, 50)


def test_trim_in_moves_start_and_source_together(timeline, layout_of):
    apply_and_check(timeline, edits.TrimClip("clip-b", "in", 3))
    assert layout_of(timeline, "v1")[1] == ("b", 23, 7, 3)


def test_trim_in_clamps_to_media_start(timeline, layout_of):
    edit = apply_and_check(timeline, edits.TrimClip("clip-b", "in", -15))
    assert edit.applied_delta == 0  # source_in 0: no earlier media
    edits.Lift(["clip-b"]).apply(timeline)
    edits.TrimClip("clip-c", "in", -7).apply(timeline)
    assert layout_of(timeline, "v1")[1] == ("c", 23, 17, 43)
    edit = edits.TrimClip("clip-a", "in", -3)  # starts at 0: no room before it
    edit.apply(timeline)
    assert edit.applied_delta == 0


def test_trim_never_shorter_than_one_frame(timeline, layout_of):
    apply_and_check(timeline, edits.TrimClip("clip-b", "out", -50))
    assert layout_of(timeline, "v1")[1] == ("b", 20, 1, 0)


def test_ripple_trim_out_shifts_later_clips(timeline, layout_of):
    apply_and_check(timeline, edits.TrimClip("clip-b", "out", 4, ripple=True))
    assert layout_of(timeline, "v1") == [("a", 0, 10, 5), ("b", 20, 14, 0), ("c", 34, 10, 50)]


def test_ripple_trim_in_keeps_start_and_pulls_later_clips(timeline, layout_of):
    apply_and_check(timeline, edits.TrimClip("clip-b", "in", 4, ripple=True))
    assert layout_of(timeline, "v1") == [("a", 0, 10, 5), ("b", 20, 6, 4), ("c", 26, 10, 50)]


def test_trim_linked_clips_together_with_joint_clamp(timeline, layout_of):
    timeline.find_clip("clip-aa")[1].takes["DEFAULT_MEDIA"] = Take("media/aa.mp4", length=18)
    edit = apply_and_check(timeline, edits.TrimClip("clip-a", "out", 9))
    assert edit.applied_delta == 3  # the audio's media ends 3 frames after its clip
    assert layout_of(timeline, "v1")[0] == ("a", 0, 13, 5)
    assert layout_of(timeline, "a1")[0] == ("aa", 0, 13, 5)


def test_trim_refuses_bad_side(timeline):
    with pytest.raises(BadInput):
        edits.TrimClip("clip-b", "middle", 1)  # type: ignore[arg-type]


# -- split, lift, ripple delete -----------------------------------------------------------------
def test_split_one_clip_and_its_link(timeline, layout_of):
    edit = apply_and_check(timeline, edits.SplitClips(4, ["clip-a"]))
    assert layout_of(timeline, "v1")[:2] == [("a", 0, 4, 5), ("a", 4, 6, 9)]
    assert layout_of(timeline, "a1") == [("aa", 0, 4, 5), ("aa", 4, 6, 9)]
    assert set(edit.new_ids) == {"clip-a", "clip-aa"}
    # the right halves keep the link group so they still move together
    right = timeline.find_clip(edit.new_ids["clip-a"])[1]
    assert right.link_group == "g-a"


def test_split_all_under_playhead_skips_locked_tracks(timeline, layout_of):
    edits.SetTrackFlag("v2", "locked", True).apply(timeline)
    apply_and_check(timeline, edits.SplitClips(7))
    assert len(timeline.track("v1").clips) == 4 and len(timeline.track("a1").clips) == 2
    assert layout_of(timeline, "v2") == [("t", 5, 10, 0)]


def test_split_refuses_when_nothing_is_under_the_playhead(timeline):
    refused(timeline, edits.SplitClips(15), "no clip to split")
    refused(timeline, edits.SplitClips(20, ["clip-b"]), "not inside")  # on the edge, not inside


def test_lift_leaves_a_gap(timeline, layout_of):
    apply_and_check(timeline, edits.Lift(["clip-b"]))
    assert layout_of(timeline, "v1") == [("a", 0, 10, 5), ("c", 30, 10, 50)]


def test_ripple_delete_closes_the_gap_and_removes_link(timeline, layout_of):
    apply_and_check(timeline, edits.RippleDelete(["clip-a"]))
    assert layout_of(timeline, "v1") == [("b", 10, 10, 0), ("c", 20, 10, 50)]
    assert layout_of(timeline, "a1") == []


def test_ripple_delete_two_clips(timeline, layout_of):
    apply_and_check(timeline, edits.RippleDelete(["clip-a", "clip-b"], linked=False))
    assert layout_of(timeline, "v1") == [("c", 10, 10, 50)]


def test_close_gap_pulls_later_clips_left(timeline, layout_of):
    apply_and_check(timeline, edits.CloseGap("v1", 14))
    assert layout_of(timeline, "v1") == [("a", 0, 10, 5), ("b", 10, 10, 0), ("c", 20, 10, 50)]
    refused(timeline, edits.CloseGap("v1", 5), "no gap")  # inside a clip
    refused(timeline, edits.CloseGap("v1", 45), "no gap")  # after the last clip


# -- clip properties, takes, markers ------------------------------------------------------------
def test_enable_disable_gain_and_rename(timeline):
    apply_and_check(timeline, edits.SetClipEnabled(["clip-b", "clip-c"], False))
    assert not timeline.find_clip("clip-b")[1].enabled and not timeline.find_clip("clip-c")[1].enabled
    apply_and_check(timeline, edits.SetClipGain(["clip-aa"], -3))
    assert timeline.find_clip("clip-aa")[1].gain_db == -3.0
    apply_and_check(timeline, edits.RenameClip("clip-b", "Hero shot"))
    assert timeline.find_clip("clip-b")[1].name == "Hero shot"


def test_takes_add_switch_remove(timeline):
    ai = Take("media/ai-1.mp4", length=40, metadata={"sora_studio": {"recipe": {"seed": 7}}})
    apply_and_check(timeline, edits.AddTake("clip-b", "ai-1", ai))
    clip = timeline.find_clip("clip-b")[1]
    assert clip.active_take == "DEFAULT_MEDIA" and set(clip.takes) == {"DEFAULT_MEDIA", "ai-1"}
    apply_and_check(timeline, edits.SetActiveTake("clip-b", "ai-1"))
    assert timeline.find_clip("clip-b")[1].take is ai
    refused(timeline, edits.RemoveTake("clip-b", "ai-1"), "active take")
    refused(timeline, edits.SetActiveTake("clip-b", "nope"), "no take")
    refused(timeline, edits.AddTake("clip-b", "ai-1", ai), "already has")
    apply_and_check(timeline, edits.RemoveTake("clip-b", "DEFAULT_MEDIA"))


def test_activating_a_too_short_take_is_refused(timeline):
    short = Take("media/short.mp4", length=5)
    refused(timeline, edits.AddTake("clip-b", "short", short, activate=True), "past the end of its media")


def test_markers_add_move_remove(timeline):
    add = apply_and_check(timeline, edits.AddMarker(12, "beat", "RED"))
    marker_id = add.marker.id
    apply_and_check(timeline, edits.MoveMarker(marker_id, 3))
    assert [(m.frame, m.name) for m in timeline.markers] == [(3, "beat")]
    apply_and_check(timeline, edits.RemoveMarker(marker_id))
    assert timeline.markers == []
    refused(timeline, edits.RemoveMarker("marker-none"), "no marker")
    with pytest.raises(BadInput):
        edits.AddMarker(-1)


# -- compound and signals -----------------------------------------------------------------------
def test_compound_is_all_or_nothing(timeline):
    good = edits.Lift(["clip-b"])
    bad = edits.MoveClips(["clip-c"], -25)  # would overlap clip-a after the lift
    refused(timeline, edits.CompoundEdit([good, bad], "Both"), "overlap")
    apply_and_check(timeline, edits.CompoundEdit([edits.Lift(["clip-b"]), edits.MoveClips(["clip-c"], -10)], "Both"))
    assert [c.start for c in timeline.track("v1").clips] == [0, 20]


def test_changed_is_emitted_once_per_apply_and_revert(timeline):
    seen = []
    timeline.changed.connect(seen.append)
    edit = edits.CompoundEdit([edits.Lift(["clip-b"]), edits.AddMarker(1)], "Two")
    edit.apply(timeline)
    edit.revert(timeline)
    assert seen == [edit, edit]
    with pytest.raises(BadInput):
        edits.Lift(["clip-missing"]).apply(timeline)
    assert len(seen) == 2
