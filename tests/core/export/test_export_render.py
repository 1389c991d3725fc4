"""render_timeline end to end: decode the MP4 it writes and check streams, length, pixels, hooks, cancel."""

from fractions import Fraction

import av
import numpy as np
import pytest

from sora_studio.core.cancel import CancelToken
from sora_studio.core.export.hooks import ExportContext, ExportHooks, FrameStamper, OutputFinalizer
from sora_studio.core.export.presets import ExportPreset
from sora_studio.core.export.render import output_frame_map, render_timeline
from sora_studio.core.media.decode import VideoReader, read_audio
from sora_studio.core.media.probe import probe
from sora_studio.core.media.synth import read_index
from sora_studio.errors import BadInput, Cancelled

RED, GREEN, BLUE = (200, 30, 30), (30, 200, 30), (30, 30, 200)  # as in conftest.py


def tiny_preset(fps=24, width=192, height=96) -> ExportPreset:
    return ExportPreset(name=f"test{fps}", label="test", width=width, height=height, fps=Fraction(fps),
                        quality="draft", crf=18, x264_preset="ultrafast", nvenc_preset="p1", nvenc_cq=18)


def colour_at(frame, x0, x1, y0, y1):
    return frame[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)


def test_frame_map_picks_frames_for_the_output_rate():
    assert output_frame_map(4, Fraction(24), Fraction(24)) == [0, 1, 2, 3]
    assert output_frame_map(4, Fraction(24), Fraction(30)) == [0, 0, 1, 2, 3]  # 5 frames: one repeated
    assert output_frame_map(5, Fraction(30), Fraction(24)) == [0, 1, 2, 3]  # 4 frames: one dropped
    assert len(output_frame_map(240, Fraction(24000, 1001), Fraction(25))) == 251


def test_export_streams_duration_and_pixels(timeline, resolve, tmp_path):
    out = tmp_path / "export.mp4"
    seen = []
    result = render_timeline(timeline, resolve, out, tiny_preset(), progress=lambda d, t: seen.append((d, t)))
    assert result.path == out and out.is_file()
    assert result.frames == 84 and seen[-1] == (84, 84) and len(seen) == 84
    info = probe(out)
    assert (info.video_codec, info.audio_codec, info.sample_rate, info.channels) == ("h264", "aac", 48000, 2)
    assert (info.width, info.height, info.frame_rate, info.frame_count) == (192, 96, Fraction(24), 84)
    assert info.duration_s == pytest.approx(3.5, abs=0.05)
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
    with VideoReader(out) as reader:
        a = reader.frame_at_index(3)
        assert np.abs(colour_at(a, 20, 170, 5, 60) - RED).max() < 25
        assert a[:, :14].max() < 20 and a[:, 178:].max() < 20  # pillarbox bars stay black
        assert read_index(a[:, 16:176]) == 3
        b = reader.frame_at_index(30)  # clip B's picture, square and centred
        assert np.abs(colour_at(b, 56, 136, 5, 60) - GREEN).max() < 25
        assert b[:, :44].max() < 20 and read_index(b[:, 48:144]) == 6
        assert np.abs(colour_at(reader.frame_at_index(40), 20, 170, 5, 60) - BLUE).max() < 25
        assert reader.frame_at_index(65).max() < 20
        assert read_index(reader.frame_at_index(75)[:, 16:176]) == 8
    sound = read_audio(out, 0.2, 1.0)
    peak_hz = np.argmax(np.abs(np.fft.rfft(sound[0]))) * 48000 / sound.shape[1]
    assert peak_hz == pytest.approx(440, abs=3)  # the muted 1000 Hz track stays out
    assert np.abs(read_audio(out, 2.3, 0.5)).max() < 0.01
    assert list(tmp_path.iterdir()) == [out]


def test_rate_conversion_and_vertical_letterbox(timeline, resolve, tmp_path):
    out = tmp_path / "vertical.mp4"
    result = render_timeline(timeline, resolve, out, tiny_preset(fps=30, width=96, height=160))
    assert result.frames == 105
    info = probe(out)
    assert info.frame_rate == Fraction(30) and info.frame_count == 105
    with VideoReader(out) as reader:
        frame = reader.frame_at_index(5)  # timeline frame 4: A letterboxed, 96x58 in the middle
        assert frame[:48].max() < 20 and frame[112:].max() < 20
        assert np.abs(colour_at(frame, 10, 86, 56, 90) - RED).max() < 30


class RecordingStamper:
    def __init__(self):
        self.begun, self.indices = None, []

    def begin(self, width, height, rate, total_frames):
        self.begun = (width, height, rate, total_frames)

    def stamp(self, frame, index):
        self.indices.append(index)
        frame[:8, :8] = 255  # a visible corner mark
        return frame


class RecordingFinalizer:
    def __init__(self, fail=False):
        self.calls, self.fail = [], fail

    def finalize(self, tmp_path, context):
        assert tmp_path.is_file() and tmp_path.stat().st_size > 0
        assert not context.out_path.exists()  # runs before the rename
        self.calls.append((tmp_path, context))
        if self.fail:
            raise RuntimeError("signing failed")


def test_hooks_see_every_frame_and_the_temp_file(timeline, resolve, tmp_path):
    timeline.tracks[0].clips[0].takes["DEFAULT_MEDIA"].metadata = {"sora_studio": {"recipe": {"prompt": "a fox"}}}
    stamper, finalizer = RecordingStamper(), RecordingFinalizer()
    assert isinstance(stamper, FrameStamper) and isinstance(finalizer, OutputFinalizer)
    out = tmp_path / "stamped.mp4"
    render_timeline(timeline, resolve, out, tiny_preset(), hooks=ExportHooks([stamper], [finalizer]))
    assert stamper.begun == (192, 96, Fraction(24), 84)
    assert stamper.indices == list(range(84))
    (tmp, context), = finalizer.calls
    assert tmp.parent == tmp_path and not tmp.exists()
    assert isinstance(context, ExportContext) and context.contains_generated
    muted_hum = timeline.tracks[3].clips[0].id
    assert {s.clip_id for s in context.sources} == {c.id for _, c in timeline.clips()} - {muted_hum}
    with VideoReader(out) as reader:
        assert reader.frame_at_index(65)[:6, :6].min() > 230  # the stamp survived encoding on a black frame


def test_failing_finalizer_leaves_nothing(timeline, resolve, tmp_path):
    out = tmp_path / "never.mp4"
    with pytest.raises(RuntimeError, match="signing failed"):
        render_timeline(timeline, resolve, out, tiny_preset(), hooks=ExportHooks([], [RecordingFinalizer(fail=True)]))
    assert list(tmp_path.iterdir()) == []


def test_cancel_mid_export_leaves_no_file(timeline, resolve, tmp_path):
    token = CancelToken()

    def progress(done, total):
        if done == 20:
            token.cancel()

    out = tmp_path / "cancelled.mp4"
    with pytest.raises(Cancelled):
        render_timeline(timeline, resolve, out, tiny_preset(), progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_existing_file_survives_a_cancelled_export(timeline, resolve, tmp_path):
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"previous export")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        render_timeline(timeline, resolve, out, tiny_preset(), cancel=token)
    assert out.read_bytes() == b"previous export"
    assert list(tmp_path.iterdir()) == [out]


def test_stamper_error_aborts_cleanly(timeline, resolve, tmp_path):
    class Broken(RecordingStamper):
        def stamp(self, frame, index):
            if index == 10:
                raise ValueError("bad watermark")
            return frame

    with pytest.raises(ValueError, match="bad watermark"):
        render_timeline(timeline, resolve, tmp_path / "x.mp4", tiny_preset(), hooks=ExportHooks([Broken()], []))
    assert list(tmp_path.iterdir()) == []


def test_refuses_empty_timeline_and_wrong_extension(timeline, resolve, tmp_path):
    from sora_studio.core.timeline.model import Timeline

    with pytest.raises(BadInput, match="empty"):
        render_timeline(Timeline(), resolve, tmp_path / "e.mp4", tiny_preset())
    with pytest.raises(BadInput, match="mp4"):
        render_timeline(timeline, resolve, tmp_path / "e.gif", tiny_preset())


def test_cancel_from_another_thread_while_frames_are_slow(timeline, resolve, tmp_path):
    import threading
    import time

    token = CancelToken()

    class Slow(RecordingStamper):
        def stamp(self, frame, index):
            time.sleep(0.02)
            return frame

    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    with pytest.raises(Cancelled):
        render_timeline(timeline, resolve, tmp_path / "slow.mp4", tiny_preset(), cancel=token,
                        hooks=ExportHooks([Slow()], []))
    timer.join()
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_a_source(timeline, export_media, tmp_path):
    import shutil

    source = tmp_path / "a.mp4"
    shutil.copy(export_media["a"], source)
    resolve = lambda url: source if url.startswith("a.") else export_media[url.split(".")[0]]
    with pytest.raises(BadInput, match="used by a clip"):
        render_timeline(timeline, resolve, source, tiny_preset())
    assert source.read_bytes() == export_media["a"].read_bytes()


def test_unwritable_folder_is_a_clear_error(timeline, resolve, tmp_path):
    from sora_studio.errors import StudioError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StudioError, match="cannot write the export"):
        render_timeline(timeline, resolve, blocker / "out.mp4", tiny_preset())


def test_stamper_returning_the_wrong_size_is_reported(timeline, resolve, tmp_path):
    class Cropper(RecordingStamper):
        def stamp(self, frame, index):
            return frame[:10]

    with pytest.raises(Exception, match="Cropper returned a frame of shape"):
        render_timeline(timeline, resolve, tmp_path / "x.mp4", tiny_preset(), hooks=ExportHooks([Cropper()], []))
    assert list(tmp_path.iterdir()) == []


def test_export_is_readable_by_others(timeline, resolve, tmp_path):
    import stat

    out = render_timeline(timeline, resolve, tmp_path / "shared.mp4", tiny_preset()).path
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_same_size_clips_pass_through_with_repeated_frames(timeline, resolve, tmp_path, monkeypatch):
    """160x96 output = A and C's own size: their decoded frames go to the encoder untouched (no RGB round
    trip), while B (48x48) is still composited; 24 -> 30 fps repeats frames, which must keep distinct pts."""
    from sora_studio.core.export.composite import TimelineCompositor

    passed = []
    real = TimelineCompositor.passthrough_frame

    def spy(self, index):
        frame = real(self, index)
        passed.append(frame is not None)
        return frame

    monkeypatch.setattr(TimelineCompositor, "passthrough_frame", spy)
    out = tmp_path / "passthrough.mp4"
    result = render_timeline(timeline, resolve, out, tiny_preset(fps=30, width=160, height=96))
    assert result.frames == 105
    assert sum(passed) == 30 + 30 + 15  # A (24 frames -> 30), C (24 -> 30), "A again" (12 -> 15)
    info = probe(out)
    assert info.frame_count == 105 and info.frame_rate == Fraction(30) and not info.vfr
    with VideoReader(out) as reader:
        for j in (0, 1, 4, 5, 10, 29):  # output j shows timeline frame floor(j * 24 / 30) of clip A
            assert read_index(reader.frame_at_index(j)) == j * 24 // 30
        b = reader.frame_at_index(38)  # timeline frame 30: B, pillarboxed inside 160x96
        assert b[:, :28].max() < 20 and np.abs(colour_at(b, 40, 120, 5, 60) - GREEN).max() < 25
        assert np.abs(colour_at(reader.frame_at_index(50), 20, 140, 5, 60) - BLUE).max() < 25
