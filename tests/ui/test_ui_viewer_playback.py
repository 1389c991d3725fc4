"""The viewer shows exactly the frame under the playhead, after seeks and while playing."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

COLOR = (200, 40, 60)


def _to_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h).reshape(h, image.bytesPerLine())
    return data[:, : 3 * w].reshape(h, w, 3).copy()


@pytest.fixture
def index_window(open_window, tmp_path):
    """Main window on a project holding one index-pattern clip (each frame shows its number in bit blocks)."""
    from sora_studio.core.media.synth import write_index_video
    from sora_studio.core.project.bundle import Project
    from sora_studio.core.project.media_items import clips_for_media
    from sora_studio.core.timeline.edits import OverwriteClip

    media = write_index_video(tmp_path / "index.mp4", 96, size=(320, 180), fps=24, color=COLOR, gop=12)
    project = Project.create(tmp_path / "Index.sorastudio", rate=24, width=320, height=180)
    item = project.import_media(media)
    (_, clip), *_ = clips_for_media(item, Fraction(24), start=0)
    OverwriteClip(project.timeline.video_tracks()[0].id, clip).apply(project.timeline)
    project.save()
    path = project.path
    project.close()
    return open_window(path)


def test_viewer_shows_frame_under_playhead_after_seek(index_window, ui, qtbot):
    from sora_studio.core.media.synth import read_index

    viewer, session = index_window.viewer, index_window.session
    for target in (37, 5, 90, 36):
        session.set_playhead(target)
        ui.wait_for(qtbot, lambda t=target: viewer.frame_view.index == t)
        frame = _to_array(viewer.frame_view.image)
        assert read_index(frame) == target
        centre = frame[frame.shape[0] // 3, frame.shape[1] // 2].astype(int)
        assert np.abs(centre - np.array(COLOR)).max() < 12, f"expected the clip's colour, got {centre}"


def test_frame_step_keys_and_marks(index_window, ui, qtbot):
    from sora_studio.core.media.synth import read_index

    viewer, session = index_window.viewer, index_window.session
    session.set_playhead(10)
    QTest.keyClick(index_window, Qt.Key.Key_Right)
    QTest.keyClick(index_window, Qt.Key.Key_Right)
    QTest.keyClick(index_window, Qt.Key.Key_Left)
    assert session.playhead == 11
    ui.wait_for(qtbot, lambda: viewer.frame_view.index == 11)
    assert read_index(_to_array(viewer.frame_view.image)) == 11
    QTest.keyClick(index_window, Qt.Key.Key_I)
    session.set_playhead(20)
    QTest.keyClick(index_window, Qt.Key.Key_O)
    assert (session.mark_in, session.mark_out) == (11, 21)
    assert "In 00:00:00:11" in viewer.marks_label.text()


def test_playback_runs_on_the_wall_clock_and_shows_the_playhead_frame(index_window, ui, qtbot):
    from sora_studio.core.media.synth import read_index

    viewer, session = index_window.viewer, index_window.session
    playback = viewer.playback
    ui.wait_for(qtbot, lambda: viewer.frame_view.index == 0)
    assert not playback.uses_audio_clock  # no audio device on this machine
    shown: list[tuple[int, int]] = []
    playback.frame_shown.connect(lambda i, img: shown.append((i, read_index(_to_array(img)))))
    session.set_playhead(0)
    QTest.keyClick(index_window, Qt.Key.Key_Space)
    assert playback.playing
    ui.wait_for(qtbot, lambda: session.playhead >= 24, timeout_ms=20000)
    QTest.keyClick(index_window, Qt.Key.Key_K)
    assert not playback.playing
    qtbot.wait(100)
    assert shown, "frames were delivered"
    assert all(index == decoded for index, decoded in shown), "every painted frame is the frame it claims to be"
    assert session.playhead == viewer.frame_view.index == shown[-1][0]
    indices = [i for i, _ in shown]
    assert indices == sorted(indices)


def test_shuttle_l_speeds_up_and_j_reverses(index_window, qtbot):
    playback, session = index_window.viewer.playback, index_window.session
    session.set_playhead(48)
    QTest.keyClick(index_window, Qt.Key.Key_L)
    assert playback.speed == 1.0
    QTest.keyClick(index_window, Qt.Key.Key_L)
    assert playback.speed == 2.0
    QTest.keyClick(index_window, Qt.Key.Key_L)
    assert playback.speed == 4.0
    QTest.keyClick(index_window, Qt.Key.Key_J)
    assert playback.speed == -1.0
    start = session.playhead
    qtbot.wait(400)
    assert session.playhead < start
    QTest.keyClick(index_window, Qt.Key.Key_K)
    assert playback.speed == 0.0


def test_playback_stops_at_the_end(index_window, ui, qtbot):
    playback, session = index_window.viewer.playback, index_window.session
    session.set_playhead(88)
    playback.play(4.0)
    ui.wait_for(qtbot, lambda: not playback.playing, timeout_ms=10000)
    assert session.playhead == 95


def test_a_decoding_error_is_reported_and_the_viewer_keeps_working(index_window, ui, qtbot):
    viewer, session = index_window.viewer, index_window.session
    thread = viewer.playback._thread
    ui.wait_for(qtbot, lambda: viewer.frame_view.index == 0)
    real = thread._frame

    def broken(compositor, index):
        raise OSError("disk went away")

    thread._frame = broken
    viewer.playback.play(1.0)
    ui.wait_for(qtbot, lambda: not viewer.playback.playing)
    assert "disk went away" in index_window.statusBar().currentMessage()
    thread._frame = real
    session.set_playhead(42)
    ui.wait_for(qtbot, lambda: viewer.frame_view.index == 42)
