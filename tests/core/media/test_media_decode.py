"""Exact-frame decoding: every frame carries its index, so a wrong seek shows up as a wrong number."""

import random
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from sora_studio.core.media.decode import AudioReader, StillReader, VideoReader, open_reader, read_audio
from sora_studio.core.media.synth import index_frame, read_index, tone, write_audio_file, write_index_video
from sora_studio.errors import BadInput

FRAMES = 120


@pytest.fixture(scope="module")
def long_gop(tmp_path_factory):
    """One keyframe every 50 frames: seeks must decode forward from a keyframe to land exactly."""
    return write_index_video(tmp_path_factory.mktemp("decode") / "long_gop.mp4", FRAMES, fps=24, gop=50,
                             audio_freq=1000)


def test_index_pattern_round_trips():
    for index in (0, 1, 77, 4095):
        assert read_index(index_frame(index, 160, 96)) == index


def test_sequential_reading_never_seeks(long_gop):
    with VideoReader(long_gop) as reader:
        for i in range(FRAMES):
            assert read_index(reader.frame_at(i / 24)) == i
        assert reader.seeks == 0


def test_random_seeks_are_exact(long_gop):
    rng = random.Random(7)
    order = [rng.randrange(FRAMES) for _ in range(40)] + [FRAMES - 1, 0, 99, 49, 50, 51]
    with VideoReader(long_gop) as reader:
        for i in order:
            assert read_index(reader.frame_at_index(i)) == i
        assert reader.seeks > 0


def test_times_between_frames_show_the_earlier_frame(long_gop):
    with VideoReader(long_gop) as reader:
        assert read_index(reader.frame_at(10.4 / 24)) == 10
        assert read_index(reader.frame_at(10.8 / 24)) == 10
        assert read_index(reader.frame_at(1000.0)) == FRAMES - 1  # past the end: the last frame holds
        assert read_index(reader.frame_at(-3)) == 0


def test_jump_ahead_past_a_keyframe_seeks_but_short_skips_do_not(long_gop):
    with VideoReader(long_gop) as reader:
        reader.frame_at_index(2)
        reader.frame_at_index(9)
        assert reader.seeks == 0
        assert read_index(reader.frame_at_index(105)) == 105
        assert reader.seeks == 1


def test_scaled_output(long_gop):
    with VideoReader(long_gop) as reader:
        big = reader.frame_at_index(33, size=(320, 192))
        assert big.shape == (192, 320, 3) and big.dtype == np.uint8
        assert read_index(big) == 33
        assert reader.frame_at_index(34, size=(81, 47)).shape == (47, 81, 3)


def test_rotated_video_is_turned_for_display(tmp_path):
    path = write_index_video(tmp_path / "rot.mp4", 6, size=(96, 48), rotation=90)
    with VideoReader(path) as reader:
        assert reader.rotation == 90 and reader.display_size == (48, 96)
        frame = reader.frame_at_index(4)
        assert frame.shape == (96, 48, 3)
        assert read_index(np.rot90(frame, k=-1)) == 4  # turning it back gives the coded picture


def test_variable_frame_rate_uses_timestamps(tmp_path):
    steps = [100, 300, 50, 150]  # in 1/2400 s
    path = write_index_video(tmp_path / "vfr.mp4", 16, size=(96, 48), fps=24, pts_steps=steps)
    starts = np.cumsum([0] + [steps[i % 4] for i in range(15)]) / 2400
    with VideoReader(path) as reader:
        for i, start in enumerate(starts):
            assert read_index(reader.frame_at(start + 0.001)) == i
        assert read_index(reader.frame_at(starts[5] - 0.002)) == 4


def test_still_reader(tmp_path):
    path = tmp_path / "still.png"
    Image.fromarray(index_frame(9, 64, 40)).save(path)
    reader = open_reader(path)
    assert isinstance(reader, StillReader)
    assert read_index(reader.frame_at(3.0)) == 9
    assert reader.frame_at(0, size=(32, 20)).shape == (20, 32, 3)


def test_still_reader_applies_exif_orientation(tmp_path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.fromarray(np.zeros((20, 40, 3), np.uint8)).save(path, exif=exif)
    assert StillReader(path).display_size == (20, 40)


def test_corrupt_video_is_bad_input(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x01garbage" * 1000)
    with pytest.raises(BadInput):
        VideoReader(junk)


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * rate / len(samples))


def test_read_audio_is_48k_stereo_float(long_gop):
    audio = read_audio(long_gop, 1.0, 0.5)
    assert audio.shape == (2, 24000) and audio.dtype == np.float32
    assert _dominant_hz(audio[0], 48000) == pytest.approx(1000, abs=3)
    tail = read_audio(long_gop, 4.9, 0.5)  # the clip is 5 s long: the rest is silence
    assert np.abs(tail[:, 6000:]).max() == 0.0


def test_read_audio_resamples_and_upmixes_mono(tmp_path):
    path = write_audio_file(tmp_path / "mono.m4a", tone(1.0, freq=300, rate=44100, channels=1), 44100)
    audio = read_audio(path, 0.25, 0.5)
    assert audio.shape == (2, 24000)
    np.testing.assert_allclose(audio[0], audio[1])
    assert _dominant_hz(audio[0], 48000) == pytest.approx(300, abs=3)
    assert 0.4 < np.abs(audio).max() < 0.6


def test_audio_reader_sequential_chunks_equal_one_read(long_gop):
    whole = read_audio(long_gop, 0.5, 1.0)
    reader = AudioReader(long_gop)
    parts = [reader.read_samples(24000 + k * 4800, 4800) for k in range(10)]
    reader.close()
    np.testing.assert_allclose(np.concatenate(parts, axis=1), whole, atol=1e-6)


def test_audio_reader_seeks_back(long_gop):
    reader = AudioReader(long_gop)
    later = reader.read(3.0, 0.1)
    earlier = reader.read(1.0, 0.1)
    again = reader.read(3.0, 0.1)
    reader.close()
    np.testing.assert_allclose(later, again, atol=1e-6)
    assert earlier.shape == later.shape


def test_fraction_times_are_accepted(long_gop):
    with VideoReader(long_gop) as reader:
        assert read_index(reader.frame_at(float(Fraction(37, 24)))) == 37


@pytest.mark.parametrize(("fmt", "ext"), [("mpegts", "ts"), ("matroska", "mkv"), ("mov", "mov")])
def test_exact_frames_in_other_containers(long_gop, tmp_path, fmt, ext):
    import av

    target = tmp_path / f"remuxed.{ext}"
    with av.open(str(long_gop)) as src, av.open(str(target), "w", format=fmt) as dst:
        out = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = out
                dst.mux(packet)
    rng = random.Random(3)
    with VideoReader(target) as reader:
        for i in [rng.randrange(FRAMES) for _ in range(25)] + list(range(60, 80)):
            assert read_index(reader.frame_at_index(i)) == i
