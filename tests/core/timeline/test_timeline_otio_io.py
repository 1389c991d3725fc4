"""Interchange: lossless OTIO round trips, FCP7/FCPXML/EDL round trips as far as each format allows,
and real-world OTIO structures (nested stacks, transitions, effects, missing media, 29.97) that must
import without crashing and without silently losing anything."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from sora_studio.core.timeline import edits, otio_io
from sora_studio.core.timeline.model import Take
from sora_studio.errors import BadInput

DATA = Path(__file__).resolve().parents[2] / "data" / "interchange"
RT = otio.opentime.RationalTime
TR = otio.opentime.TimeRange


def rich(timeline):
    """The basic timeline plus takes, markers, flags and a disabled clip: everything our format keeps."""
    edits.AddTake("clip-b", "ai-1", Take("/abs/ai 1.mp4", 60, missing=True, metadata={"sora_studio": {"recipe": {"seed": 3}}}), activate=True).apply(timeline)
    edits.AddMarker(12, "beat", "RED").apply(timeline)
    edits.SetTrackFlag("a1", "muted", True).apply(timeline)
    edits.SetTrackFlag("v2", "locked", True).apply(timeline)
    edits.SetClipEnabled(["clip-c"], False).apply(timeline)
    edits.SetClipGain(["clip-aa"], -4.5).apply(timeline)
    timeline.metadata["note"] = "keep me"
    return timeline


def positions(timeline, kind="video"):
    return [
        [(c.name, c.start, c.duration, c.source_in) for c in t.clips] for t in timeline.tracks if t.kind == kind
    ]


# -- our own format --------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [Fraction(24), Fraction(30000, 1001), Fraction(25)])
def test_otio_round_trip_is_exact(timeline_factory, tmp_path, rate):
    timeline = rich(timeline_factory(rate))
    path = tmp_path / "cut.otio"
    assert otio_io.export_timeline(timeline, path) == []
    back, warnings = otio_io.import_timeline(path)
    assert warnings == []
    assert back.snapshot() == timeline.snapshot()


def test_takes_become_multiple_media_references(timeline):
    rich(timeline)
    clip = next(c for c in otio_io.to_otio(timeline).find_clips() if c.name == "b")
    assert set(clip.media_references()) == {"DEFAULT_MEDIA", "ai-1"}
    assert clip.active_media_reference_key == "ai-1"
    assert clip.media_references()["ai-1"].metadata["sora_studio"]["recipe"]["seed"] == 3


def test_gaps_are_explicit_in_otio(timeline):
    track = otio_io.to_otio(timeline).tracks[0]
    assert [type(i).__name__ for i in track] == ["Clip", "Gap", "Clip", "Clip"]
    assert track.range_of_child_at_index(2).start_time.value == 20


# -- other formats ---------------------------------------------------------------------------------
def test_fcp7_round_trip_keeps_names_positions_and_source_ranges(timeline_factory, tmp_path):
    timeline = timeline_factory(Fraction(25))
    path = tmp_path / "cut.xml"
    otio_io.export_timeline(timeline, path, "fcp7")
    back, _ = otio_io.import_timeline(path)
    assert back.rate == 25
    assert positions(back) == positions(timeline)
    assert positions(back, "audio") == positions(timeline, "audio")


def test_fcpxml_round_trip_at_integer_rate(timeline_factory, tmp_path):
    timeline = timeline_factory(Fraction(24))
    path = tmp_path / "cut.fcpxml"
    warnings = otio_io.export_timeline(timeline, path)
    assert isinstance(warnings, list)
    back, _ = otio_io.import_timeline(path)
    assert back.rate == 24
    # FCPXML nests connected clips; compare the set of (name, start, duration, source_in) per kind
    got = sorted(x for track in positions(back) for x in track)
    want = sorted(x for track in positions(timeline) for x in track)
    assert got == want


@pytest.mark.parametrize("rate", [Fraction(30000, 1001), Fraction(24000, 1001)])
def test_fcpxml_at_ntsc_rates_is_frame_exact(timeline_factory, tmp_path, rate):
    timeline = timeline_factory(rate)
    path = tmp_path / "ntsc.fcpxml"
    otio_io.export_timeline(timeline, path)
    frame = 1 / rate
    assert f'frameDuration="{frame.numerator}/{frame.denominator}s"' in path.read_text()
    back, _ = otio_io.import_timeline(path)
    assert back.rate == rate  # the adapter alone reads 1001/30000s back as 29 fps
    got = sorted(x for kind in ("video", "audio") for track in positions(back, kind) for x in track)
    want = sorted(x for kind in ("video", "audio") for track in positions(timeline, kind) for x in track)
    assert got == want


def test_hand_written_fcpxml_at_2997():
    back, warnings = otio_io.import_timeline(DATA / "hand_project_2997.fcpxml")
    assert back.rate == Fraction(30000, 1001) and back.name == "Hand FCPXML"
    assert positions(back) == [[("Street", 0, 60, 30), ("Cafe", 70, 20, 0)]]
    street = back.tracks[0].clips[0]
    assert street.take.url == "/absent/footage/street day.mov" and street.take.missing and street.take.length == 300


def test_fcpxml_refuses_rates_the_adapter_cannot_write(timeline_factory, tmp_path):
    with pytest.raises(BadInput, match="FCPXML export supports"):
        otio_io.export_timeline(timeline_factory(Fraction(15)), tmp_path / "cut.fcpxml")


def test_edl_round_trip_is_video_only_and_says_so(timeline_factory, tmp_path):
    timeline = rich(timeline_factory())
    path = tmp_path / "cut.edl"
    warnings = otio_io.export_timeline(timeline, path)
    text = " ".join(warnings)
    assert "audio track 'A1'" in text and "video track 'V1'" in text and "markers" in text
    assert "5-frame gap before the first clip" in text
    back, _ = otio_io.import_timeline(path, rate=Fraction(24))
    assert [t.kind for t in back.tracks] == ["video"]
    # the top-most video track with clips (V2: clip t at 5..15) is the one exported; the EDL reader
    # starts the record at the first event, as the warning said
    assert positions(back) == [[("t", 0, 10, 0)]]


def test_edl_of_a_2997_timeline_reads_back_at_2997(timeline_factory, tmp_path):
    timeline = timeline_factory(Fraction(30000, 1001))
    edits.RemoveTrack("v2").apply(timeline)
    path = tmp_path / "ntsc.edl"
    otio_io.export_timeline(timeline, path)
    back, warnings = otio_io.import_timeline(path)
    assert back.rate == Fraction(30000, 1001)
    assert positions(back) == positions(timeline)


def test_unknown_format_and_bad_files_are_bad_input(tmp_path, timeline):
    with pytest.raises(BadInput, match="cannot tell"):
        otio_io.export_timeline(timeline, tmp_path / "cut.mov")
    with pytest.raises(BadInput, match="unknown timeline format"):
        otio_io.export_timeline(timeline, tmp_path / "cut.otio", "aaf")
    broken = tmp_path / "broken.otio"
    broken.write_text('{"OTIO_SCHEMA": "Timeline.1", "tracks": ', encoding="utf-8")
    with pytest.raises(BadInput, match="could not read"):
        otio_io.import_timeline(broken)
    binary = tmp_path / "binary.xml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(BadInput):
        otio_io.import_timeline(binary)
    with pytest.raises(BadInput, match="not found"):
        otio_io.import_timeline(tmp_path / "absent.edl")


# -- hand-written files from other tools -----------------------------------------------------------
def test_hand_written_fcp7_xml(tmp_path):
    bundle = tmp_path / "p.sorastudio"
    back, warnings = otio_io.import_timeline(DATA / "hand_sequence_fcp7.xml", bundle=bundle)
    assert back.rate == 25 and back.name == "Hand Sequence"
    assert positions(back) == [[("Interview", 0, 50, 10), ("B-Roll", 75, 75, 0)]]
    assert positions(back, "audio") == [[("Interview", 0, 50, 10)]]
    interview, broll = back.tracks[0].clips
    assert interview.take.url == "/absent/media/interview take 2.mov" and interview.take.missing
    assert interview.take.length == 250
    # the relative path that escapes the bundle is not followed
    assert broll.take.url == "media/broll.mov" and broll.take.missing
    assert any("leads outside the project" in w for w in warnings)


def test_hand_written_edl_with_dissolve_marker_and_hostile_path(tmp_path):
    back, warnings = otio_io.import_timeline(DATA / "hand_cut.edl", bundle=tmp_path / "p.sorastudio", rate=Fraction(24))
    assert [(c.name, c.start, c.duration) for c in back.tracks[0].clips] == [("Shot A", 0, 48), ("Shot B", 48, 36), ("Shot D", 84, 24)]
    shot_d = back.tracks[0].clips[2]
    transition = json.loads(shot_d.metadata["otio_transitions"][0])
    assert transition["OTIO_SCHEMA"].startswith("Transition")
    assert any("transition" in w for w in warnings)
    assert [(m.frame, m.name, m.color) for m in back.markers] == [(60, "FIX THE SKY", "RED")]
    assert back.tracks[0].clips[1].take.url == "media/shot_b.mov"
    assert all(not Path(c.take.url).is_absolute() or c.take.url.startswith("/absent") for c in back.tracks[0].clips)


# -- structures our model does not have ------------------------------------------------------------
def foreign_timeline() -> otio.schema.Timeline:
    """What another editor might hand us: 29.97 sequence, 23.976 and 25 fps clips, gaps, a transition,
    an effect, a nested stack, a clip with missing media, a generator, markers and foreign metadata."""
    ntsc = 30000 / 1001
    tl = otio.schema.Timeline(name="Foreign", global_start_time=RT(108000, ntsc))
    tl.metadata["resolve"] = {"project": "X"}
    video = otio.schema.Track(name="Video 1", kind=otio.schema.TrackKind.Video)
    shot = otio.schema.Clip(
        name="shot", source_range=TR(RT(100, ntsc), RT(60, ntsc)),
        media_reference=otio.schema.ExternalReference("file:///nowhere/shot%201.mov", TR(RT(0, ntsc), RT(300, ntsc))),
    )
    shot.effects.append(otio.schema.LinearTimeWarp(name="slow", time_scalar=0.5))
    shot.markers.append(otio.schema.Marker(name="look", marked_range=TR(RT(110, ntsc), RT(5, ntsc)), color="BLUE"))
    shot.metadata["resolve"] = {"color": "Orange"}
    video.append(shot)
    video.append(otio.schema.Gap(source_range=TR(RT(0, ntsc), RT(30, ntsc))))
    film = otio.schema.Clip(name="film", source_range=TR(RT(48, 24000 / 1001), RT(48, 24000 / 1001)),
                            media_reference=otio.schema.MissingReference())
    video.append(film)
    video.append(otio.schema.Transition(name="dissolve", in_offset=RT(5, ntsc), out_offset=RT(5, ntsc)))
    nested = otio.schema.Stack(name="compound")
    inner = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    inner.append(otio.schema.Clip(name="inner", source_range=TR(RT(0, ntsc), RT(45, ntsc))))
    nested.append(inner)
    video.append(nested)
    video.append(otio.schema.Clip(name="bars", source_range=TR(RT(0, 25), RT(25, 25)),
                                  media_reference=otio.schema.GeneratorReference(generator_kind="SMPTEBars")))
    audio = otio.schema.Track(name="Audio 1", kind=otio.schema.TrackKind.Audio)
    audio.append(otio.schema.Gap(source_range=TR(RT(0, ntsc), RT(10, ntsc))))
    audio.append(otio.schema.Clip(name="zero", source_range=TR(RT(0, ntsc), RT(0, ntsc))))
    tl.tracks.append(video)
    tl.tracks.append(audio)
    return tl


def test_foreign_structures_import_with_warnings_and_kept_metadata(tmp_path):
    path = tmp_path / "foreign.otio"
    otio.adapters.write_to_file(foreign_timeline(), str(path))
    back, warnings = otio_io.import_timeline(path, bundle=tmp_path / "p.sorastudio")
    back.check_invariants()
    assert back.rate == Fraction(30000, 1001)
    clips = back.tracks[0].clips
    assert [(c.name, c.start, c.duration) for c in clips] == [
        ("shot", 0, 60), ("film", 90, 60), ("compound", 150, 45), ("bars", 195, 30)
    ]  # 48 frames at 23.976 = 60 at 29.97; 25 frames at 25 fps = 30 at 29.97
    shot, film, compound, bars = clips
    assert shot.source_in == 100 and shot.take.url == "/nowhere/shot 1.mov" and shot.take.missing
    assert json.loads(shot.metadata["otio_effects"][0])["OTIO_SCHEMA"].startswith("LinearTimeWarp")
    assert shot.metadata["otio_metadata"]["resolve"] == {"color": "Orange"}
    assert film.take.missing and film.take.url == ""
    assert "otio_transitions" in compound.metadata
    assert json.loads(compound.metadata["otio_nested"])["OTIO_SCHEMA"].startswith("Stack")
    assert "otio_media_reference" in bars.take.metadata["sora_studio"]
    assert [(m.frame, m.name, m.color) for m in back.markers] == [(10, "look", "BLUE")]
    assert back.metadata["otio_global_start_frame"] == 108000
    assert back.tracks[1].metadata["otio_dropped"]  # the zero-length clip is kept as JSON
    text = "\n".join(warnings)
    for expected in ("effect", "transition", "nested Stack", "GeneratorReference", "zero-length", "duration is not kept"):
        assert expected in text


def test_foreign_import_survives_our_own_round_trip(tmp_path):
    path = tmp_path / "foreign.otio"
    otio.adapters.write_to_file(foreign_timeline(), str(path))
    first, _ = otio_io.import_timeline(path)
    again, warnings = otio_io.loads(otio_io.dumps(first))
    assert again.snapshot() == first.snapshot() and warnings == []
    # other tools' metadata goes back to the top level of the OTIO objects on export
    exported = otio_io.to_otio(first)
    assert exported.find_clips()[0].metadata["resolve"]["color"] == "Orange"


def test_hostile_metadata_in_our_own_format_is_tamed(timeline):
    """Wrong types, duplicate ids and negative lengths in metadata["sora_studio"] never crash or break invariants."""
    source = otio_io.to_otio(timeline)
    source.metadata["sora_studio"]["rate"] = ["x", 0]
    clips = list(source.find_clips())
    for clip in clips:
        clip.metadata["sora_studio"]["id"] = "same-id"
        clip.metadata["sora_studio"]["gain_db"] = "loud"
        clip.metadata["sora_studio"]["link_group"] = 42
        clip.metadata["sora_studio"]["takes"]["DEFAULT_MEDIA"]["length"] = -5
    source.tracks[0].metadata["sora_studio"]["metadata"] = "not a dict"
    back, warnings = otio_io.loads(otio.adapters.write_to_string(source, "otio_json"))
    back.check_invariants()
    ids = [c.id for _, c in back.clips()]
    assert len(set(ids)) == len(ids) and ids.count("same-id") == 1
    assert any("duplicate id" in w for w in warnings)
    assert all(c.gain_db == 0.0 and c.link_group is None for _, c in back.clips())
    assert back.tracks[0].metadata == {}
    edits.MoveClips([ids[1]], 1000).apply(back)  # edits still address exactly one clip
