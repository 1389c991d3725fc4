"""probe(): real files of every kind we accept, and the broken ones we must refuse with a reason."""

from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from sora_studio.core.media import probe as probe_module
from sora_studio.core.media.probe import MediaInfo, probe
from sora_studio.core.media.synth import tone, write_audio_file, write_index_video
from sora_studio.errors import BadInput


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    root = tmp_path_factory.mktemp("probe-media")
    files = {
        "av": write_index_video(root / "with audio.mp4", 48, fps=24, audio_freq=440),
        "silent": write_index_video(root / "silent.mp4", 30, size=(64, 48), fps=Fraction(30000, 1001)),
        "rotated": write_index_video(root / "rotated.mp4", 12, size=(64, 32), rotation=90),
        "vfr": write_index_video(root / "vfr.mp4", 40, size=(64, 48), fps=24, pts_steps=[100, 100, 250, 50]),
        "m4a": write_audio_file(root / "voice.m4a", tone(1.0, channels=1, rate=44100), 44100),
        "wav51": write_audio_file(root / "surround.wav", tone(0.5, channels=6), 48000, codec="pcm_s16le"),
    }
    image = Image.fromarray(np.full((40, 60, 3), 200, np.uint8))
    image.save(root / "still.png")
    files["png"] = root / "still.png"
    return files


def test_video_with_audio(media):
    info = probe(media["av"])
    assert (info.kind, info.width, info.height) == ("video", 160, 96)
    assert info.frame_rate == Fraction(24) and info.frame_count == 48
    assert info.duration_s == pytest.approx(2.0, abs=0.05)
    assert (info.video_codec, info.audio_codec, info.sample_rate, info.channels) == ("h264", "aac", 48000, 2)
    assert info.has_video and info.has_audio and not info.vfr


def test_video_without_audio_keeps_ntsc_rate(media):
    info = probe(media["silent"])
    assert info.frame_rate == Fraction(30000, 1001)
    assert not info.has_audio and info.audio_codec is None
    assert info.frame_count == 30


def test_rotation_swaps_display_size(media):
    info = probe(media["rotated"])
    assert info.rotation == 90
    assert (info.width, info.height) == (32, 64)
    assert info.extra["coded_size"] == [64, 32]


def test_variable_frame_rate_is_detected(media):
    assert probe(media["vfr"]).vfr is True
    assert probe(media["silent"]).vfr is False


def test_audio_only_files(media):
    m4a = probe(media["m4a"])
    assert (m4a.kind, m4a.sample_rate, m4a.channels, m4a.has_video) == ("audio", 44100, 1, False)
    assert m4a.duration_s == pytest.approx(1.0, abs=0.1)
    wav = probe(media["wav51"])
    assert (wav.audio_codec, wav.channels) == ("pcm_s16le", 6)


def test_still_image(media):
    info = probe(media["png"])
    assert (info.kind, info.width, info.height, info.duration_s) == ("image", 60, 40, None)
    assert info.has_video and not info.has_audio


def test_round_trip_through_dict(media):
    info = probe(media["silent"])
    data = info.to_dict()
    assert data["frame_rate"] == "30000/1001" and data["has_video"] is True
    assert MediaInfo.from_dict(data) == info


@pytest.mark.parametrize("name", ["spaces and ünïcødé.mp4", "-leading-dash.mp4", "quote'\"s.mp4", "noext"])
def test_odd_file_names(tmp_path, name):
    path = write_index_video(tmp_path / name, 5, size=(32, 32))
    assert probe(path).frame_count == 5


def test_zero_length_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(BadInput, match="empty"):
        probe(empty)


def test_garbage_with_mp4_name(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    with pytest.raises(BadInput, match="junk.mp4"):
        probe(junk)


def test_truncated_file(tmp_path, media):
    data = media["av"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInput, match="corrupt|truncated"):
        probe(cut)


def test_truncated_image(tmp_path, media):
    data = media["png"].read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInput, match="cut.png"):
        probe(cut)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(BadInput, match="not found"):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(BadInput, match="not a regular file"):
        probe(tmp_path)


def test_no_audio_or_video_stream(tmp_path):
    subs = tmp_path / "subtitles.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n", encoding="utf-8")
    with pytest.raises(BadInput, match="no video or audio"):
        probe(subs)


def test_huge_image_is_refused(tmp_path):
    big = tmp_path / "wide.png"
    Image.new("RGB", (8200, 2)).save(big)
    with pytest.raises(BadInput, match="8192"):
        probe(big)


def test_huge_video_is_refused(tmp_path, monkeypatch):
    path = write_index_video(tmp_path / "wide.mp4", 2, size=(512, 32))
    monkeypatch.setattr(probe_module, "MAX_DIMENSION", 256)
    with pytest.raises(BadInput, match="larger than"):
        probe(path)


def test_absurd_frame_count_is_refused(media, monkeypatch):
    monkeypatch.setattr(probe_module, "MAX_FRAME_COUNT", 10)
    with pytest.raises(BadInput, match="frames"):
        probe(media["av"])


def test_unsupported_codec(tmp_path):
    import struct

    samples = b"\x00" * 4800
    fmt = struct.pack("<HHIIHH", 0x5555, 2, 48000, 48000 * 4, 4, 16)  # a WAVE format tag nobody decodes
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    path = tmp_path / "odd.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with pytest.raises(BadInput, match="unsupported audio codec"):
        probe(path)
