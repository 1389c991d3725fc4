"""Thumbnails, waveform peaks and proxies: real output, cached, invalidated when the source changes."""

import os

import numpy as np
import pytest
from PIL import Image

from sora_studio.core.cancel import CancelToken
from sora_studio.core.media.cache import MediaCache
from sora_studio.core.media.decode import VideoReader
from sora_studio.core.media.probe import probe
from sora_studio.core.media.proxy import find_proxy, make_proxy, open_for_scrubbing
from sora_studio.core.media.synth import index_frame, read_index, tone, write_audio_file, write_index_video
from sora_studio.core.media.thumbnails import thumbnail_strip, thumbnail_times
from sora_studio.core.media.waveform import peaks
from sora_studio.errors import BadInput, Cancelled


@pytest.fixture
def clip(tmp_path):
    return write_index_video(tmp_path / "clip.mp4", 96, size=(192, 96), fps=24, gop=96, audio_freq=500)


def test_thumbnails_show_evenly_spaced_frames(clip, tmp_path):
    thumbs = thumbnail_strip(clip, count=4, height=96, cache_dir=tmp_path / "cache")
    assert [t.shape for t in thumbs] == [(96, 192, 3)] * 4
    expected = [int(t * 24) for t in thumbnail_times(4.0, 4)]
    assert [read_index(t) for t in thumbs] == expected == [12, 36, 60, 84]


def test_thumbnails_are_cached_and_invalidated(clip, tmp_path):
    cache = tmp_path / "cache"
    first = thumbnail_strip(clip, count=3, height=32, cache_dir=cache)
    entry = next((cache / "thumbnails").iterdir())
    mtime = entry.stat().st_mtime_ns
    again = thumbnail_strip(clip, count=3, height=32, cache_dir=cache)
    assert entry.stat().st_mtime_ns == mtime and all((a == b).all() for a, b in zip(first, again, strict=True))
    write_index_video(clip, 96, size=(192, 96), fps=24, color=(220, 220, 0))  # the source is replaced
    os.utime(clip, ns=(mtime + 10**9, mtime + 10**9))
    changed = thumbnail_strip(clip, count=3, height=32, cache_dir=cache)
    assert not np.array_equal(changed[0], first[0])
    assert len(list((cache / "thumbnails").iterdir())) == 1  # the stale entry was removed


def test_damaged_cache_entry_is_rebuilt(clip, tmp_path):
    cache = tmp_path / "cache"
    thumbnail_strip(clip, count=2, height=32, cache_dir=cache)
    entry = next((cache / "thumbnails").iterdir())
    entry.write_bytes(b"not a png")
    assert len(thumbnail_strip(clip, count=2, height=32, cache_dir=cache)) == 2


def test_still_image_thumbnails(tmp_path):
    still = tmp_path / "still.png"
    Image.fromarray(index_frame(5, 96, 48)).save(still)
    thumbs = thumbnail_strip(still, count=2, height=48)
    assert len(thumbs) == 2 and read_index(thumbs[1]) == 5


def test_thumbnail_cancel(clip):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        thumbnail_strip(clip, count=3, cancel=token)


def test_waveform_peaks(tmp_path):
    audio = np.concatenate([tone(1.0, level=0.8), np.zeros((2, 48000), np.float32)], axis=1)
    path = write_audio_file(tmp_path / "half.wav", audio, codec="pcm_s16le")
    result = peaks(path, per_second=50, cache_dir=tmp_path / "cache")
    assert result.data.shape == (2, 100, 2) and result.duration_s == pytest.approx(2.0)
    assert result.data[0, 10, 1] == pytest.approx(0.8, abs=0.01) and result.data[0, 10, 0] == pytest.approx(-0.8, abs=0.01)
    assert np.abs(result.data[:, 60:]).max() < 1e-3
    cached = peaks(path, per_second=50, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(cached.data, result.data)
    env = result.envelope(0.0, 2.0, 4)
    assert env.shape == (2, 4, 2) and env[0, 0, 1] > 0.7 and env[0, 3, 1] < 1e-3


def test_waveform_needs_audio(tmp_path):
    silent = write_index_video(tmp_path / "silent.mp4", 4, size=(32, 32))
    with pytest.raises(BadInput, match="no audio"):
        peaks(silent)


def test_proxy_keeps_timestamps_and_adds_keyframes(clip, tmp_path):
    cache = tmp_path / "cache"
    seen = []
    proxy = make_proxy(clip, cache, height=48, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (96, 96)
    info = probe(proxy)
    assert (info.width, info.height, info.frame_count, info.audio_codec) == (96, 48, 96, None)
    with VideoReader(proxy) as reader:
        keys = reader._keyframe_times()
        assert len(keys) == 4  # one per second instead of one in 4 s
        for i in (95, 3, 50, 49, 0, 71):
            assert read_index(reader.frame_at(i / 24, size=(192, 96))) == i
    assert find_proxy(clip, cache, height=48) == proxy
    assert make_proxy(clip, cache, height=48) == proxy  # reused, not rebuilt
    with open_for_scrubbing(clip, cache, height=48) as reader:
        assert reader.path == proxy


def test_intra_proxy_of_rotated_video(tmp_path):
    source = write_index_video(tmp_path / "phone.mp4", 8, size=(96, 48), rotation=90)
    proxy = make_proxy(source, tmp_path / "cache", height=32, intra=True)
    info = probe(proxy)
    assert info.rotation == 90 and (info.width, info.height) == (32, 64)
    with VideoReader(proxy) as reader:
        assert len(reader._keyframe_times()) == 8


def test_cancelled_proxy_leaves_nothing(clip, tmp_path):
    token = CancelToken()
    cache = tmp_path / "cache"

    def progress(done, total):
        if done == 10:
            token.cancel()

    with pytest.raises(Cancelled):
        make_proxy(clip, cache, height=48, progress=progress, cancel=token)
    assert list((cache / "proxies").iterdir()) == []
    assert find_proxy(clip, cache, height=48) is None


def test_proxy_refuses_audio_and_odd_height(tmp_path):
    audio = write_audio_file(tmp_path / "a.wav", tone(0.2), codec="pcm_s16le")
    with pytest.raises(BadInput, match="not a video"):
        make_proxy(audio, tmp_path / "cache")
    with pytest.raises(BadInput, match="even"):
        make_proxy(audio, tmp_path / "cache", height=33)


def test_cache_keys_follow_path_and_params(clip, tmp_path):
    cache = MediaCache(tmp_path)
    a = cache.entry("x", clip, {"h": 1}, "bin")
    assert a == cache.entry("x", clip, {"h": 1}, "bin")
    assert a != cache.entry("x", clip, {"h": 2}, "bin")
    assert a.parent == tmp_path / "x"
