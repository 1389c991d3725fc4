"""Takes of linked sync clips: a generated clip with sound is a video clip and a sync audio clip in one link
group; switching or removing a take on one does the same to the other, in one undo step."""

from fractions import Fraction

import pytest

from sora_studio.core.timeline import edits
from sora_studio.core.timeline.history import History
from sora_studio.core.timeline.model import NAMESPACE, Clip, Take, Timeline, Track
from sora_studio.errors import BadInput


def _take(n: int, job: str | None = None) -> Take:
    ours = {"media_id": f"media-{n}", "generated": True, **({"job_id": job} if job else {})}
    return Take(url=f"media/generated/shot-v{n}.mp4", length=48, metadata={NAMESPACE: ours})


@pytest.fixture
def timeline() -> Timeline:
    """V1: the shot with takes v1..v3; A1 (sync): its sound with the same takes (as link_sync_audio copies
    them); A2: an unlinked music clip; V1 also holds a linked pair whose sound has differently named takes."""
    tl = Timeline(rate=Fraction(24), name="Linked")
    video = Track(kind="video", name="V1", id="v1")
    sync = Track(kind="audio", name="Sync", id="a1")
    takes = {f"v{n}": _take(n) for n in (1, 2, 3)}
    video.clips = [
        Clip("shot", 0, 24, takes=dict(takes), active_take="v1", link_group="g1", id="shot",
             metadata={NAMESPACE: {"kind": "video"}}),
        Clip("pair", 30, 24, takes={"gen-s7": _take(7, "job-7"), "gen-s8": _take(8, "job-8")}, active_take="gen-s7",
             link_group="g2", id="pair", metadata={NAMESPACE: {"kind": "video"}}),
    ]
    sync.clips = [
        Clip("shot", 0, 24, takes=dict(takes), active_take="v1", link_group="g1", id="shot-sound",
             metadata={NAMESPACE: {"kind": "audio"}}),
        # the sound's takes were made from the same generations (same media items / jobs) under other names
        Clip("pair", 30, 24, takes={"DEFAULT_MEDIA": _take(7, "job-7"), "sound-2": _take(8, "job-8")},
             active_take="DEFAULT_MEDIA", link_group="g2", id="pair-sound", metadata={NAMESPACE: {"kind": "audio"}}),
    ]
    music = Track(kind="audio", name="Music", id="a2")
    music.clips = [Clip("bed", 0, 24, takes={"v2": Take("media/bed.wav", length=240)}, active_take="v2", id="bed")]
    tl.tracks = [video, sync, music]
    tl.check_invariants()
    return tl


def _active(timeline: Timeline) -> dict[str, str]:
    return {c.id: c.active_take for _, c in timeline.clips()}


def test_switching_a_take_switches_the_linked_clip_and_one_undo_restores_both(timeline):
    history = History(timeline)
    before = timeline.snapshot()
    history.do(edits.SetActiveTake("shot", "v3"))
    assert _active(timeline)["shot"] == _active(timeline)["shot-sound"] == "v3"
    assert _active(timeline)["bed"] == "v2"  # not linked: untouched even though a take key matches
    history.do(edits.SetActiveTake("shot-sound", "v2"))  # from the sound side works the same
    assert _active(timeline)["shot"] == "v2"
    history.undo()
    assert _active(timeline)["shot"] == _active(timeline)["shot-sound"] == "v3"
    history.undo()
    assert timeline.snapshot() == before
    history.redo()
    assert _active(timeline)["shot"] == _active(timeline)["shot-sound"] == "v3"
    timeline.check_invariants()


def test_the_matching_take_is_the_one_from_the_same_generation(timeline):
    history = History(timeline)
    history.do(edits.SetActiveTake("pair", "gen-s8"))
    assert _active(timeline)["pair-sound"] == "sound-2"
    history.do(edits.SetActiveTake("pair-sound", "DEFAULT_MEDIA"))
    assert _active(timeline)["pair"] == "gen-s7"
    # a take the partner has no match for switches this clip only
    history.do(edits.AddTake("pair", "gen-s9", _take(9, "job-9")))
    history.do(edits.SetActiveTake("pair", "gen-s9"))
    assert (_active(timeline)["pair"], _active(timeline)["pair-sound"]) == ("gen-s9", "DEFAULT_MEDIA")
    assert edits.SetActiveTake("shot", "v2", linked=False).apply(timeline) is None
    assert (_active(timeline)["shot"], _active(timeline)["shot-sound"]) == ("v2", "v1")


def test_removing_a_take_removes_the_matching_take_of_the_linked_clip(timeline):
    history = History(timeline)
    history.do(edits.RemoveTake("shot", "v3"))
    assert "v3" not in timeline.find_clip("shot")[1].takes and "v3" not in timeline.find_clip("shot-sound")[1].takes
    history.do(edits.RemoveTake("pair-sound", "sound-2"))
    assert set(timeline.find_clip("pair")[1].takes) == {"gen-s7"}
    history.undo()
    assert set(timeline.find_clip("pair")[1].takes) == {"gen-s7", "gen-s8"}
    assert set(timeline.find_clip("pair-sound")[1].takes) == {"DEFAULT_MEDIA", "sound-2"}
    history.undo()
    assert set(timeline.find_clip("shot-sound")[1].takes) == {"v1", "v2", "v3"}
    # the partner plays the take being removed (switched apart with linked=False): refused, nothing changes
    history.do(edits.SetActiveTake("shot-sound", "v2", linked=False))
    before = timeline.snapshot()
    with pytest.raises(BadInput, match="active take of linked clip 'shot'"):
        edits.RemoveTake("shot-sound", "v1").apply(timeline)
    with pytest.raises(BadInput, match="no take named 'v9'"):
        edits.RemoveTake("shot", "v9").apply(timeline)
    assert timeline.snapshot() == before
    edits.RemoveTake("shot-sound", "v1", linked=False).apply(timeline)
    assert set(timeline.find_clip("shot")[1].takes) == {"v1", "v2", "v3"}


def test_a_new_take_with_sound_lands_on_the_linked_sound_too_and_one_undo_removes_both(timeline):
    history = History(timeline)
    with_sound = _take(4, "job-4")
    with_sound.metadata[NAMESPACE]["has_audio"] = True
    history.do(edits.AddTake("shot", "v4", with_sound, activate=True))
    clips = {c.id: c for _, c in timeline.clips()}
    assert "v4" in clips["shot-sound"].takes and _active(timeline)["shot-sound"] == "v4"
    assert "v4" not in clips["bed"].takes  # not linked
    history.undo()
    clips = {c.id: c for _, c in timeline.clips()}
    assert "v4" not in clips["shot"].takes and "v4" not in clips["shot-sound"].takes
    assert _active(timeline)["shot-sound"] == "v1"


def test_a_new_take_without_sound_leaves_the_linked_sound_alone(timeline):
    silent = _take(5, "job-5")  # a video-only model's regeneration: its take says nothing about sound
    edits.AddTake("shot", "v5", silent, activate=True).apply(timeline)
    clips = {c.id: c for _, c in timeline.clips()}
    assert "v5" in clips["shot"].takes and "v5" not in clips["shot-sound"].takes
    assert _active(timeline)["shot-sound"] == "v1"
    timeline.check_invariants()
