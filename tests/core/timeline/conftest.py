"""Fixtures: a small timeline with linked clips, a clip factory and a layout helper."""

from __future__ import annotations

from fractions import Fraction

from sora_studio.core.timeline.model import NAMESPACE, Clip, Take, Timeline, Track


def media_clip(name: str, start: int, duration: int, source_in: int = 0, length: int | None = 100, **kw) -> Clip:
    return Clip(
        name=name,
        start=start,
        duration=duration,
        source_in=source_in,
        takes={"DEFAULT_MEDIA": Take(url=f"media/{name}.mp4", length=length)},
        id=kw.pop("id", f"clip-{name}"),
        **kw,
    )


def basic_timeline(rate: Fraction = Fraction(24)) -> Timeline:
    """V1: a[0,10) b[20,30) c[30,40); V2: t[5,15); A1: a-audio[0,10) linked to a."""
    tl = Timeline(rate=rate, name="Test")
    v1 = Track(kind="video", name="V1", id="v1")
    v2 = Track(kind="video", name="V2", id="v2")
    a1 = Track(kind="audio", name="A1", id="a1")
    v1.clips = [
        media_clip("a", 0, 10, source_in=5, link_group="g-a", metadata={NAMESPACE: {"kind": "video"}}),
        media_clip("b", 20, 10),
        media_clip("c", 30, 10, source_in=50),
    ]
    v2.clips = [media_clip("t", 5, 10)]
    a1.clips = [media_clip("aa", 0, 10, source_in=5, link_group="g-a", metadata={NAMESPACE: {"kind": "audio"}})]
    tl.tracks = [v1, v2, a1]
    tl.check_invariants()
    return tl


def layout(timeline: Timeline, track_id: str) -> list[tuple[str, int, int, int]]:
    """(name, start, duration, source_in) of each clip on a track."""
    return [(c.name, c.start, c.duration, c.source_in) for c in timeline.track(track_id).clips]


import pytest  # noqa: E402


@pytest.fixture
def timeline() -> Timeline:
    return basic_timeline()


@pytest.fixture
def make_clip():
    return media_clip


@pytest.fixture
def layout_of():
    return layout


@pytest.fixture
def timeline_factory():
    return basic_timeline
