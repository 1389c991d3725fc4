"""TimelineCompositor: which clip shows, where it sits in the frame, and what is heard."""

import numpy as np
import pytest

from sora_studio.core.export.composite import TimelineCompositor, fit_rect
from sora_studio.core.media.synth import read_index

RED, GREEN, BLUE = (200, 30, 30), (30, 200, 30), (30, 30, 200)  # as in conftest.py


def region_colour(frame, x0, x1, y0, y1):
    return frame[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)


def assert_colour(actual, expected, tol=20):
    assert np.abs(np.asarray(actual) - np.asarray(expected)).max() <= tol, (actual, expected)


def test_fit_rect_letterbox_and_pillarbox():
    assert fit_rect(1920, 1080, 1920, 1080) == (0, 0, 1920, 1080)
    assert fit_rect(1920, 1080, 1080, 1920) == (0, 656, 1080, 608)  # 16:9 into 9:16: bars top and bottom
    assert fit_rect(1080, 1920, 1920, 1080) == (656, 0, 608, 1080)  # 9:16 into 16:9: bars left and right
    assert fit_rect(100, 100, 1920, 1080) == (420, 0, 1080, 1080)


def test_pillarboxed_clip_and_black_bars(timeline, resolve):
    with TimelineCompositor(timeline, resolve, 192, 96) as comp:
        frame = comp.video_frame(3)  # A (160x96) in a 192x96 frame: 16 px black each side
        assert frame.shape == (96, 192, 3)
        assert_colour(region_colour(frame, 20, 170, 5, 60), RED)
        assert frame[:, :15].max() < 10 and frame[:, 177:].max() < 10
        assert read_index(frame[:, 16:176]) == 3


def test_square_clip_is_centred(timeline, resolve):
    with TimelineCompositor(timeline, resolve, 192, 96) as comp:
        frame = comp.video_frame(30)  # B (48x48) scaled to 96x96, centred: x 48..144
        assert_colour(region_colour(frame, 55, 135, 5, 60), GREEN)
        assert frame[:, :46].max() < 10 and frame[:, 146:].max() < 10
        assert read_index(frame[:, 48:144]) == 6


def test_top_track_wins_and_gaps_are_black(timeline, resolve):
    with TimelineCompositor(timeline, resolve, 160, 96) as comp:
        assert_colour(region_colour(comp.video_frame(40), 10, 150, 5, 60), BLUE)  # C over B
        assert read_index(comp.video_frame(40)) == 4
        assert comp.video_frame(65).max() == 0  # nothing plays
        again = comp.video_frame(75)  # A again from source frame 5 (+3)
        assert_colour(region_colour(again, 10, 150, 5, 60), RED)
        assert read_index(again) == 8


def test_disabled_track_and_clip_are_skipped(timeline, resolve):
    timeline.tracks[1].enabled = False
    with TimelineCompositor(timeline, resolve, 160, 96) as comp:
        assert_colour(region_colour(comp.video_frame(40), 60, 100, 5, 60), GREEN)
    timeline.tracks[0].clips[1].enabled = False
    with TimelineCompositor(timeline, resolve, 160, 96) as comp:
        assert comp.video_frame(30).max() == 0


def test_missing_media_shows_black_and_is_reported(timeline, export_media, tmp_path):
    resolve = lambda url: tmp_path / "gone.mp4"
    with TimelineCompositor(timeline, resolve, 160, 96) as comp:
        assert comp.video_frame(0).max() == 0
        assert comp.errors and "not found" in next(iter(comp.errors.values()))


def _peak_hz(samples):
    return np.argmax(np.abs(np.fft.rfft(samples))) * 48000 / len(samples)


def test_audio_mix_respects_mute_solo_and_gain(timeline, resolve):
    with TimelineCompositor(timeline, resolve, 160, 96) as comp:
        audio = comp.audio(0, 24)  # one second at 24 fps
        assert audio.shape == (2, 48000)
        assert _peak_hz(audio[0]) == pytest.approx(440, abs=2)  # the hum track is muted
        level = np.abs(audio).max()
        timeline.tracks[2].clips[0].gain_db = -6.0206
        assert np.abs(comp.audio(0, 24)).max() == pytest.approx(level / 2, rel=0.05)
        timeline.tracks[3].solo = True  # solo the (muted) hum: mute still wins -> silence
        assert np.abs(comp.audio(0, 24)).max() == 0
        timeline.tracks[3].muted = False
        assert _peak_hz(comp.audio(0, 24)[0]) == pytest.approx(1000, abs=2)
        timeline.tracks[3].solo = False
        assert np.abs(comp.audio(60, 12)).max() > 0.3  # only the hum reaches past frame 48


def test_audio_chunks_tile_exactly(timeline, resolve):
    with TimelineCompositor(timeline, resolve, 160, 96) as comp:
        whole = comp.audio(0, 48)
        parts = np.concatenate([comp.audio(i, 1) for i in range(48)], axis=1)
    assert parts.shape == whole.shape == (2, 96000)
    np.testing.assert_allclose(parts, whole, atol=1e-5)


def test_preview_reads_from_proxies_when_present(timeline, resolve, export_media, tmp_path):
    from sora_studio.core.media.proxy import make_proxy

    make_proxy(export_media["a"], tmp_path / "cache", height=48)
    with TimelineCompositor(timeline, resolve, 160, 96, proxy_cache=tmp_path / "cache",
                            proxy_height=48) as comp:
        frame = comp.video_frame(7)
        assert read_index(frame) == 7  # same frame, from the half-size proxy scaled back up
        (_, reader), = [(k, r) for k, r in comp._video._items.items()]
        assert "proxies" in str(reader.path)


def test_playing_through_decodes_sequentially(timeline, resolve):
    with TimelineCompositor(timeline, resolve, 160, 96) as comp:
        for frame in range(timeline.duration):
            comp.video_frame(frame)
        readers = list(comp._video._items.values())
        assert len(readers) == 4  # A, B, C and "A again" (its own decoder, though the file is the same)
        assert [r.seeks for r in readers] == [0, 0, 0, 0]  # "A again" starts at frame 5: decoded forward too
