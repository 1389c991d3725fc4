"""A/B compare of a clip's takes in the viewer: real H.264 takes of different colours, decoded off the GUI
thread; the wipe boundary, swap, side by side, "Make B active" (undoable) and a take whose media is missing."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

RED, BLUE = (210, 30, 40), (30, 60, 220)
SIZE = (320, 180)


def _solid(color, frames: int = 48) -> np.ndarray:
    """Solid colour frames with the frame number in a band of bit blocks at the bottom (synth.index_frame)."""
    from sora_studio.core.media.synth import index_frame

    return np.stack([index_frame(i, SIZE[0], SIZE[1], color) for i in range(frames)])


def _index(image: QImage) -> int:
    from sora_studio.core.media.synth import read_index

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h).reshape(h, image.bytesPerLine())
    return read_index(data[:, : 3 * w].reshape(h, w, 3))


def _grab(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h).reshape(h, image.bytesPerLine())
    return data[:, : 3 * w].reshape(h, w, 3).astype(int)


def _near(pixel, color, tol: int = 25) -> bool:
    return bool(np.abs(np.asarray(pixel) - np.asarray(color)).max() < tol)


@pytest.fixture
def compare_window(open_window, tmp_path):
    """Main window on a project with one clip holding a red take (active), a blue take with a recipe, and a
    take whose media is missing."""
    from sora_studio.core.media.encode import write_clip
    from sora_studio.core.project.bundle import Project
    from sora_studio.core.project.media_items import clips_for_media, take_for_media
    from sora_studio.core.timeline.edits import AddTake, OverwriteClip
    from sora_studio.core.timeline.model import Take

    red = write_clip(tmp_path / "red.mp4", _solid(RED), 24)
    blue = write_clip(tmp_path / "blue.mp4", _solid(BLUE), 24)
    project = Project.create(tmp_path / "Takes.sorastudio", rate=24, width=SIZE[0], height=SIZE[1])
    item_red, item_blue = project.import_media(red), project.import_media(blue)
    (_, clip), *_ = clips_for_media(item_red, Fraction(24), start=0)
    timeline = project.timeline
    OverwriteClip(timeline.video_tracks()[0].id, clip).apply(timeline)
    blue_take = take_for_media(item_blue, Fraction(24))
    blue_take.metadata["sora_studio"]["recipe"] = {"model_id": "tiny-wan", "seed": 42, "strength": 0.6}
    AddTake(clip.id, "take-2", blue_take).apply(timeline)
    gone = Take(url=str(tmp_path / "gone.mp4"), length=48, missing=True)
    AddTake(clip.id, "take-3", gone).apply(timeline)
    project.save()
    path = project.path
    project.close()
    win = open_window(path, size=(1200, 800))
    win.session.select({clip.id})
    return win, clip.id


def _wait_pictures(ui, qtbot, compare) -> None:
    ui.wait_for(qtbot, lambda: compare.ready >= {"A", "B"})
    qtbot.wait(20)


def test_wipe_shows_a_left_b_right_and_divider_moves(compare_window, ui, qtbot):
    win, _ = compare_window
    viewer = win.viewer
    menu = win.inspector.compare_button.menu().actions()  # the inspector's "Compare…" button menu
    assert [a.text().split(": ", 1)[1][:6] for a in menu] == ["take-2", "take-3"]
    menu[0].trigger()
    compare = viewer.compare
    assert viewer.stack.currentWidget() is compare and compare.b_key == "take-2"
    _wait_pictures(ui, qtbot, compare)
    canvas = compare.canvas
    pixels = _grab(canvas)
    x, y = canvas.divider_x(), canvas.height() // 2 + 30
    assert _near(pixels[y, x - 20], RED) and _near(pixels[y, x + 20], BLUE)
    labels = compare.canvas.labels
    assert labels["A"].key == "DEFAULT_MEDIA" and "seed 42" in labels["B"].details and "tiny-wan" in labels["B"].details

    # drag the divider to a quarter of the width: the point that was A is now B
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    QTest.mouseMove(canvas, QPoint(canvas.width() // 3, y))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(canvas.width() // 4, y))
    assert abs(canvas.divider_x() - canvas.width() // 4) <= 1
    pixels = _grab(canvas)
    assert _near(pixels[y, canvas.width() // 4 - 15], RED)
    assert _near(pixels[y, x - 20], BLUE)

    # X swaps the sides
    QTest.keyClick(win, Qt.Key.Key_X)
    pixels = _grab(canvas)
    assert _near(pixels[y, canvas.width() // 4 - 15], BLUE) and _near(pixels[y, canvas.width() - 20], RED)

    # side by side: each take whole in its half
    compare.set_mode("side")
    _wait_pictures(ui, qtbot, compare)
    pixels = _grab(canvas)
    assert _near(pixels[y, canvas.width() // 4], BLUE) and _near(pixels[y, 3 * canvas.width() // 4], RED)

    QTest.keyClick(win, Qt.Key.Key_Escape)
    assert not compare.active and viewer.stack.currentWidget() is viewer.frame_view


def test_make_b_active_is_undoable(compare_window, ui, qtbot):
    win, clip_id = compare_window
    viewer, session = win.viewer, win.session
    QTest.keyClick(win, Qt.Key.Key_C, Qt.KeyboardModifier.ShiftModifier)  # Shift+C: compare the selected clip
    compare = viewer.compare
    assert compare.active and compare.b_key == "take-2"
    _wait_pictures(ui, qtbot, compare)
    clip = lambda: next(c for _, c in session.timeline.clips() if c.id == clip_id)
    compare.buttons["activate"].click()
    assert clip().active_take == "take-2"
    assert (compare.a_key, compare.b_key) == ("take-2", "DEFAULT_MEDIA")
    _wait_pictures(ui, qtbot, compare)
    canvas = compare.canvas
    pixels = _grab(canvas)
    y = canvas.height() // 2 + 30
    assert _near(pixels[y, 20], RED) and _near(pixels[y, canvas.width() - 20], BLUE), "pictures stay where they were"
    assert canvas.left_side() == "B"  # ...and the labels follow the takes
    session.undo_stack.undo()
    assert clip().active_take == "DEFAULT_MEDIA"
    assert (compare.a_key, compare.b_key) == ("DEFAULT_MEDIA", "take-2") and canvas.left_side() == "A"
    # the composited timeline (and so export) now uses the active take again: red under the playhead
    compare.stop()
    ui.wait_for(qtbot, lambda: viewer.frame_view.image is not None)


def test_both_sides_show_the_source_frame_under_the_playhead(compare_window, ui, qtbot):
    win, clip_id = compare_window
    viewer, session = win.viewer, win.session
    assert viewer.start_compare(clip_id, "take-2")
    compare = viewer.compare
    for target in (30, 7, 31):
        session.set_playhead(target)
        _wait_pictures(ui, qtbot, compare)
        assert _index(compare.canvas.pictures["A"]) == target and _index(compare.canvas.pictures["B"]) == target
    session.set_playhead(0)
    viewer.playback.play(1.0)
    ui.wait_for(qtbot, lambda: session.playhead >= 12)
    viewer.playback.pause()
    _wait_pictures(ui, qtbot, compare)
    frame = session.playhead
    assert frame >= 12
    assert _index(compare.canvas.pictures["A"]) == frame and _index(compare.canvas.pictures["B"]) == frame


def test_missing_take_shows_message_and_follows_playhead(compare_window, ui, qtbot):
    win, clip_id = compare_window
    viewer, session = win.viewer, win.session
    assert viewer.start_compare(clip_id, "take-3")
    compare = viewer.compare
    _wait_pictures(ui, qtbot, compare)
    assert compare.canvas.pictures["B"] is None
    assert "Media missing" in compare.canvas.messages["B"] and compare.canvas.labels["B"].missing
    assert compare.canvas.pictures["A"] is not None
    pixels = _grab(compare.canvas)
    assert _near(pixels[compare.canvas.height() // 2, 20], RED)
    # both sides follow the playhead; beyond the clip the last frame is held with a note
    session.set_playhead(10)
    _wait_pictures(ui, qtbot, compare)
    assert compare.canvas.note == ""
    session.set_playhead(100)
    _wait_pictures(ui, qtbot, compare)
    assert "outside" in compare.canvas.note and compare.canvas.pictures["A"] is not None


def test_compare_refused_for_single_take_clip(compare_window, qtbot):
    from sora_studio.core.timeline.edits import RemoveTake

    win, clip_id = compare_window
    session = win.session
    assert session.do(RemoveTake(clip_id, "take-2")) and session.do(RemoveTake(clip_id, "take-3"))
    messages = []
    session.edit_failed.connect(messages.append)
    assert not win.viewer.start_compare(clip_id, "")
    assert "only one take" in messages[-1]
    assert win.viewer.stack.currentWidget() is win.viewer.frame_view


def test_decoder_caches_and_decodes_ahead(qtbot, tmp_path):
    """The compare thread answers a repeated request from its cache and has the next frames ready."""
    from PySide6.QtCore import QObject, Slot

    from sora_studio.core.media.encode import write_clip
    from sora_studio.ui.viewer.compare import CompareDecoder, SideRequest

    path = str(write_clip(tmp_path / "red.mp4", _solid(RED, 12), 24))

    class Receiver(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.got: list[tuple[int, str, int]] = []

        @Slot(int, str, QImage, str)
        def take(self, number: int, side: str, image: QImage, message: str) -> None:
            self.got.append((number, side, _index(image) if not image.isNull() else -1))

    receiver = Receiver()
    decoder = CompareDecoder()
    decoder.frame_ready.connect(receiver.take)
    decoder.start()
    try:
        def ask(number: int, frame: int) -> None:
            decoder.request(number, (SideRequest("A", path, frame / 24, (160, 90), frame_period=1 / 24),
                                     SideRequest("B", None, frame / 24, (160, 90))))
            qtbot.waitUntil(lambda: len([g for g in receiver.got if g[0] == number]) == 2, timeout=10000)

        ask(1, 5)
        assert (1, "A", 5) in receiver.got and (1, "B", -1) in receiver.got
        qtbot.waitUntil(lambda: decoder.decoded == 4, timeout=10000)  # frame 5, then 6, 7, 8 ahead
        ask(2, 6)  # from the cache; then 9 is decoded ahead (7 and 8 are cached)
        qtbot.waitUntil(lambda: decoder.decoded == 5, timeout=10000)
        ask(3, 5)
        assert (2, "A", 6) in receiver.got and (3, "A", 5) in receiver.got
        qtbot.wait(100)
        assert decoder.decoded == 5  # 5 and the frames ahead of it were all cached
    finally:
        decoder.stop_thread()
