"""Small real media and a timeline built on them, shared by the export tests."""

from fractions import Fraction

import pytest

from sora_studio.core.media.synth import tone, write_audio_file, write_index_video
from sora_studio.core.timeline.model import Clip, Take, Timeline, Track

RED, GREEN, BLUE = (200, 30, 30), (30, 200, 30), (30, 30, 200)


@pytest.fixture(scope="session")
def export_media(tmp_path_factory):
    root = tmp_path_factory.mktemp("export-media")
    return {
        "a": write_index_video(root / "a.mp4", 48, size=(160, 96), fps=24, color=RED, audio_freq=440),
        "b": write_index_video(root / "b.mp4", 48, size=(48, 48), fps=24, color=GREEN),
        "c": write_index_video(root / "c.mp4", 48, size=(160, 96), fps=24, color=BLUE),
        "hum": write_audio_file(root / "hum.wav", tone(3.0, freq=1000), codec="pcm_s16le"),
    }


def make_timeline(media) -> Timeline:
    """V1: A [0,24) then B [24,48); V2: C [36,60); gap until 72 where A plays again [72,84) from its frame 5.
    A1: A's 440 Hz tone [0,48); A2 (muted): a 1000 Hz hum over everything."""
    tl = Timeline(Fraction(24))
    take = lambda key: {"DEFAULT_MEDIA": Take(f"{key}.media", 48)}
    v1 = Track("video", "V1", clips=[Clip("A", 0, 24, takes=take("a")), Clip("B", 24, 24, takes=take("b")),
                                     Clip("A again", 72, 12, source_in=5, takes=take("a"))])
    v2 = Track("video", "V2", clips=[Clip("C", 36, 24, takes=take("c"))])
    a1 = Track("audio", "A1", clips=[Clip("A sound", 0, 48, takes=take("a"))])
    a2 = Track("audio", "A2", muted=True, clips=[Clip("hum", 0, 72, takes={"DEFAULT_MEDIA": Take("hum.media", 72)})])
    tl.tracks = [v1, v2, a1, a2]
    tl.check_invariants()
    return tl


@pytest.fixture
def timeline(export_media):
    return make_timeline(export_media)


@pytest.fixture
def resolve(export_media):
    return lambda url: export_media[url.split(".")[0]]
