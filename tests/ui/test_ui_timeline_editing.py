"""Editing on the timeline view with real mouse/keyboard events: move, trim, split, delete, undo."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest


def _clip_point(window, clip, where: str = "body") -> QPointF:
    item = window.timeline_panel.scene.item_for(clip.id)
    rect = item.rect()
    y = rect.center().y()
    if where == "in":
        return QPointF(rect.left() + 2, y)
    if where == "out":
        return QPointF(rect.right() - 2, y)
    return QPointF(rect.center().x(), y)


def test_drag_moves_clip_in_one_undo_step(window, ui):
    session = window.session
    view = window.timeline_panel.view
    timeline = session.timeline
    before = timeline.snapshot()
    overlay = ui.clip_by_name(timeline, "V2", "desert_noon.mp4")
    assert overlay.start == 48
    ppf = window.timeline_panel.layout_model.pixels_per_frame
    start = _clip_point(window, overlay)
    # 30 frames right, Shift held: no snapping, so the clip lands exactly where the mouse says
    ui.drag(view, start, start + QPointF(30 * ppf, 0), Qt.KeyboardModifier.ShiftModifier, steps=10)
    moved = ui.clip_by_name(timeline, "V2", "desert_noon.mp4")
    assert moved.start == 78
    assert session.undo_stack.count() == 1, "the whole drag must be one undo step"
    assert session.undo_stack.undoText() == "Move Clips"
    timeline.check_invariants()
    session.undo_stack.undo()
    assert timeline.snapshot() == before
    session.undo_stack.redo()
    assert ui.clip_by_name(timeline, "V2", "desert_noon.mp4").start == 78


def test_two_drags_are_two_undo_steps(window, ui):
    session, view, timeline = window.session, window.timeline_panel.view, window.session.timeline
    ppf = window.timeline_panel.layout_model.pixels_per_frame
    overlay = ui.clip_by_name(timeline, "V2", "desert_noon.mp4")
    for _ in range(2):
        p = _clip_point(window, overlay)
        ui.drag(view, p, p + QPointF(10 * ppf, 0), Qt.KeyboardModifier.ShiftModifier)
    assert ui.clip_by_name(timeline, "V2", "desert_noon.mp4").start == 68
    assert session.undo_stack.count() == 2


def test_drag_snaps_to_clip_edge(window, ui):
    timeline, view = window.session.timeline, window.timeline_panel.view
    ppf = window.timeline_panel.layout_model.pixels_per_frame
    overlay = ui.clip_by_name(timeline, "V2", "desert_noon.mp4")  # 48..108; V1 has a cut at 96
    p = _clip_point(window, overlay)
    # aim 2 frames short of putting the overlay's start on the cut at 96 (within the 10 px snap zone)
    ui.drag(view, p, p + QPointF((96 - 48 - 2) * ppf + 0.4, 0))
    assert ui.clip_by_name(timeline, "V2", "desert_noon.mp4").start == 96


def test_drag_across_tracks(window, ui):
    session, view, timeline = window.session, window.timeline_panel.view, window.session.timeline
    layout = window.timeline_panel.layout_model
    view.zoom_by(0.5)  # room right of the last clip, so the drag does not auto-scroll the view
    ppf = layout.pixels_per_frame
    overlay = ui.clip_by_name(timeline, "V2", "desert_noon.mp4")
    v1_row = next(r for r in layout.rows if r.track.name == "V1")
    p = _clip_point(window, overlay)
    # V1 is full until frame 240: move the overlay past it and down onto V1
    target = QPointF(p.x() + (250 - 48) * ppf, v1_row.top + v1_row.height / 2)
    ui.drag(view, p, target, Qt.KeyboardModifier.ShiftModifier, steps=12)
    moved = ui.clip_by_name(timeline, "V1", "desert_noon.mp4")
    assert moved.start == 250
    assert timeline.track(v1_row.track.id).clips[-1].id == moved.id
    assert session.undo_stack.count() == 1
    timeline.check_invariants()


def test_trim_by_dragging_out_handle_trims_linked_audio(window, ui):
    session, view, timeline = window.session, window.timeline_panel.view, window.session.timeline
    ppf = window.timeline_panel.layout_model.pixels_per_frame
    city = ui.clip_by_name(timeline, "V1", "city_night.mp4")  # 168..240, linked to the A1 clip
    assert city.duration == 72
    p = _clip_point(window, city, "out")
    ui.drag(view, p, p - QPointF(24 * ppf, 0), Qt.KeyboardModifier.ShiftModifier)
    assert ui.clip_by_name(timeline, "V1", "city_night.mp4").duration == 48
    assert ui.clip_by_name(timeline, "A1", "city_night.mp4").duration == 48
    assert session.undo_stack.count() == 1
    assert session.undo_stack.undoText() == "Trim Clip"


def test_ripple_trim_with_alt_moves_later_clips(window, ui):
    view, timeline = window.timeline_panel.view, window.session.timeline
    ppf = window.timeline_panel.layout_model.pixels_per_frame
    dawn = ui.clip_by_name(timeline, "V1", "dawn_beach.mp4")  # 0..96
    p = _clip_point(window, dawn, "out")
    mods = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
    ui.drag(view, p, p - QPointF(24 * ppf, 0), mods)
    assert ui.clip_by_name(timeline, "V1", "dawn_beach.mp4").duration == 72
    assert ui.clip_by_name(timeline, "V1", "forest_walk.mp4").start == 72
    assert ui.clip_by_name(timeline, "V1", "city_night.mp4").start == 144
    timeline.check_invariants()


def test_split_with_s_at_playhead(window, ui):
    session, timeline = window.session, window.session.timeline
    session.set_playhead(120)  # inside forest_walk (V1+A1, 96..168) and the music (A2, 0..230)
    window.timeline_panel.view.setFocus()
    QTest.keyClick(window.timeline_panel.view, Qt.Key.Key_S)
    names = {t.name: [(c.name, c.start, c.duration) for c in t.clips] for t in timeline.tracks}
    assert ("forest_walk.mp4", 96, 24) in names["V1"] and ("forest_walk.mp4", 120, 48) in names["V1"]
    assert ("forest_walk.mp4", 96, 24) in names["A1"]
    assert ("music_bed.m4a", 120, 110) in names["A2"]
    assert names["V2"] == [("desert_noon.mp4", 48, 60)]  # not under the playhead
    assert session.undo_stack.undoText() == "Split"


def test_ripple_delete_with_shift_delete_and_lift_with_delete(window, ui):
    session, view, timeline = window.session, window.timeline_panel.view, window.session.timeline
    before = timeline.snapshot()
    forest = ui.clip_by_name(timeline, "V1", "forest_walk.mp4")
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(_clip_point(window, forest)))
    assert session.selection == {forest.id}
    QTest.keyClick(view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert [c.name for c in timeline.track(timeline.video_tracks()[0].id).clips] == ["dawn_beach.mp4", "city_night.mp4"]
    assert ui.clip_by_name(timeline, "V1", "city_night.mp4").start == 96
    assert ui.clip_by_name(timeline, "A1", "city_night.mp4").start == 96  # linked audio went too
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert timeline.snapshot() == before
    # Delete lifts: the gap stays
    forest = ui.clip_by_name(timeline, "V1", "forest_walk.mp4")
    session.select({forest.id})
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert ui.clip_by_name(timeline, "V1", "city_night.mp4").start == 168
    assert all(c.name != "forest_walk.mp4" for c in timeline.video_tracks()[0].clips)
    assert not window.timeline_panel.scene.item_for(forest.id), "the view re-synced from the model"


def test_undo_redo_restore_model_snapshots(window, ui):
    session, view, timeline = window.session, window.timeline_panel.view, window.session.timeline
    ppf = window.timeline_panel.layout_model.pixels_per_frame
    snapshots = [timeline.snapshot()]
    overlay = ui.clip_by_name(timeline, "V2", "desert_noon.mp4")
    p = _clip_point(window, overlay)
    ui.drag(view, p, p + QPointF(12 * ppf, 0), Qt.KeyboardModifier.ShiftModifier)
    snapshots.append(timeline.snapshot())
    session.set_playhead(150)
    QTest.keyClick(view, Qt.Key.Key_S)
    snapshots.append(timeline.snapshot())
    QTest.keyClick(view, Qt.Key.Key_M)
    snapshots.append(timeline.snapshot())
    assert len(timeline.markers) == 2
    assert session.undo_stack.count() == 3
    for expected in reversed(snapshots[:-1]):
        QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert timeline.snapshot() == expected
    for expected in snapshots[1:]:
        QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert timeline.snapshot() == expected
    # the scene mirrors the model after undo/redo: one item per clip at the clip's place
    scene = window.timeline_panel.scene
    for _, clip in timeline.clips():
        assert scene.item_for(clip.id).rect().left() == clip.start * ppf
    assert len(scene.items_by_id) == len(timeline.clips())


def test_rubber_band_and_ctrl_click_select(window, ui):
    session, view, timeline = window.session, window.timeline_panel.view, window.session.timeline
    layout = window.timeline_panel.layout_model
    v1 = next(r for r in layout.rows if r.track.name == "V1")
    a1 = next(r for r in layout.rows if r.track.name == "A1")
    # band from empty space right of everything... across V1 and A1 over frames 100..180
    ui.drag(view, QPointF(100 * layout.pixels_per_frame, v1.top + 1), QPointF(180 * layout.pixels_per_frame, a1.bottom - 1))
    selected = {c.name for _, c in session.selected_clips()}
    assert selected == {"forest_walk.mp4", "city_night.mp4"}
    assert len(session.selection) == 4  # video + audio of both
    dawn = ui.clip_by_name(timeline, "V1", "dawn_beach.mp4")
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     view.mapFromScene(_clip_point(window, dawn)))
    assert dawn.id in session.selection and len(session.selection) == 5


def test_locked_track_refuses_drag_and_keeps_model(window, ui):
    session, view, timeline = window.session, window.timeline_panel.view, window.session.timeline
    ppf = window.timeline_panel.layout_model.pixels_per_frame
    v2 = next(t for t in timeline.tracks if t.name == "V2")
    header = window.timeline_panel.headers.header(v2.id)
    QTest.mouseClick(header.buttons["locked"], Qt.MouseButton.LeftButton)
    assert v2.locked and session.undo_stack.undoText() == "Track Flag"
    before = timeline.snapshot()
    overlay = ui.clip_by_name(timeline, "V2", "desert_noon.mp4")
    p = _clip_point(window, overlay)
    ui.drag(view, p, p + QPointF(20 * ppf, 0), Qt.KeyboardModifier.ShiftModifier)
    assert timeline.snapshot() == before
    assert "locked" in window.statusBar().currentMessage()


def test_zoom_keys_change_scale_and_items_follow(window, ui):
    layout = window.timeline_panel.layout_model
    view = window.timeline_panel.view
    before = layout.pixels_per_frame
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert layout.pixels_per_frame > before
    city = ui.clip_by_name(window.session.timeline, "V1", "city_night.mp4")
    assert window.timeline_panel.scene.item_for(city.id).rect().left() == city.start * layout.pixels_per_frame
    QTest.keyClick(view, Qt.Key.Key_Minus)
    assert abs(layout.pixels_per_frame - before) < 1e-9


def test_track_header_menu_adds_and_removes_tracks(window, ui):
    session, timeline = window.session, window.session.timeline
    panel = window.timeline_panel
    before = timeline.snapshot()
    v1 = next(t for t in timeline.tracks if t.name == "V1")
    menu = panel.headers.header(v1.id).build_menu()
    next(a for a in menu.actions() if a.text() == "Add Video Track").trigger()
    assert [r.track.name for r in panel.layout_model.rows][:3] == ["V3", "V2", "V1"], "new video track on top"
    assert set(panel.headers.headers) == {t.id for t in timeline.tracks}, "headers re-synced"
    menu = panel.headers.header(v1.id).build_menu()
    remove = next(a for a in menu.actions() if a.text().startswith("Remove Track V1"))
    assert "3 clips" in remove.text()
    remove.trigger()
    assert all(t.name != "V1" for t in timeline.tracks)
    assert not any(c.name == "dawn_beach.mp4" for _, c in timeline.clips() if c.metadata["sora_studio"]["kind"] == "video")
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert timeline.snapshot() == before
