"""write_clip (the engine's contract) and H.264 encoder selection."""

from fractions import Fraction

import numpy as np
import pytest

from sora_studio.core.media.decode import VideoReader, read_audio
from sora_studio.core.media.encode import h264_encoder, write_clip
from sora_studio.core.media.probe import probe
from sora_studio.core.media.synth import index_frame, read_index, tone


def test_write_clip_round_trip_with_odd_size_and_audio(tmp_path):
    frames = np.stack([index_frame(i, 97, 61) for i in range(12)])
    out = write_clip(tmp_path / "clip.mp4", frames, Fraction(24), audio=tone(0.5), metadata={"comment": "hi"})
    info = probe(out)
    assert (info.width, info.height, info.frame_count) == (98, 62, 12)  # padded to even
    assert (info.audio_codec, info.sample_rate) == ("aac", 48000)
    with VideoReader(out) as reader:
        assert [read_index(reader.frame_at_index(i)[:61, :97]) for i in (0, 5, 11)] == [0, 5, 11]
    assert np.abs(read_audio(out, 0.1, 0.2)).max() == pytest.approx(0.5, abs=0.05)


def test_write_clip_rejects_wrong_arrays(tmp_path):
    with pytest.raises(ValueError):
        write_clip(tmp_path / "x.mp4", np.zeros((2, 8, 8), np.uint8), 24)
    with pytest.raises(ValueError):
        write_clip(tmp_path / "x.mp4", np.zeros((0, 8, 8, 3), np.uint8), 24)
    assert not (tmp_path / "x.mp4").exists()


def test_encoder_can_be_forced(monkeypatch):
    monkeypatch.setenv("SORA_STUDIO_H264_ENCODER", "libx264")
    assert h264_encoder(1920, 1080) == "libx264"
    monkeypatch.delenv("SORA_STUDIO_H264_ENCODER")
    assert h264_encoder(1920, 1080) in ("libx264", "h264_nvenc")  # NVENC only where it really opens
