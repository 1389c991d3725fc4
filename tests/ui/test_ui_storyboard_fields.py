"""The storyboard dock's shot fields (offscreen Qt): dialogue, sound notes, first/last images, settings; edits
go through the session's undo stack, survive a TOML round trip, and problems show on the field they concern.
The dialogue fit is estimated with the real espeak-ng voice, as the audio pass speaks it."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from sora_studio.core.project.bundle import Project
from sora_studio.core.storyboard.model import DialogueLine, Shot, Storyboard, StoryboardSettings
from sora_studio.core.storyboard.toml_io import load_storyboard


@pytest.fixture
def panel(qtbot, tmp_path):
    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.storyboard.panel import StoryboardPanel

    session = EditorSession()
    project = Project.create(tmp_path / "p", rate=16, width=32, height=32, session=False)
    session.load(project.timeline, project)
    widget = StoryboardPanel(session, lambda: None)
    qtbot.addWidget(widget)
    widget.resize(460, 900)
    yield widget
    widget.fit.close()
    widget.runner.close()


def _png(path: Path, colour: tuple[int, int, int]) -> Path:
    pixels = np.zeros((36, 64, 3), np.uint8)
    pixels[:] = colour
    pixels[10:26, 20:44] = 255 - np.array(colour, np.uint8)  # not a flat image (no face either)
    Image.fromarray(pixels).save(path)
    return path


def _type(widget, text: str) -> None:
    """Type over what the field holds, as a person does (select all, then type)."""
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(widget, text)


def test_dialogue_sound_images_edit_the_model_and_round_trip_through_toml(panel, tmp_path):
    panel.add_shot()
    shot_id = panel.storyboard.shots[0].id
    form = panel.form
    _type(form.sound, "waves, distant gulls")
    form.dialogue.add_button.click()
    row = form.dialogue.rows[0]
    _type(row.speaker.lineEdit(), "Keeper")
    _type(row.text, "Right on time.")
    form.dialogue.add_button.click()
    assert len(form.dialogue.rows) == 2
    _type(form.dialogue.rows[1].speaker.lineEdit(), "Ana")
    _type(form.dialogue.rows[1].text, "Always.")
    form.dialogue.rows[1].up.click()  # reorder: Ana speaks first
    first, last = _png(tmp_path / "first.png", (30, 60, 120)), _png(tmp_path / "last.png", (200, 120, 40))
    form.image.ask = lambda: str(first)
    form.image.choose_button.click()
    assert form.last_image.choose_button.isEnabled(), form.last_image.blocked_reason  # wan-tiny -> wan-flf2v-tiny
    form.last_image.ask = lambda: str(last)
    form.last_image.choose_button.click()

    shot = panel.storyboard.shot(shot_id)
    assert shot.sound == "waves, distant gulls"
    assert [(d.speaker, d.text) for d in shot.dialogue] == [("Ana", "Always."), ("Keeper", "Right on time.")]
    assert (shot.image, shot.last_image) == (str(first), str(last))
    assert not form.image.thumbnail_missing() and form.image.name.text() == "first.png"
    stored = panel.session.project.metadata["storyboard"]["shots"][0]
    assert stored["sound"] == "waves, distant gulls" and stored["last_image"] == str(last)
    # the speaker list offers the storyboard's speakers in every row
    for row in form.dialogue.rows:
        assert {row.speaker.itemText(i) for i in range(row.speaker.count())} == {"Ana", "Keeper"}

    board_file = tmp_path / "board.toml"
    panel.files.ask_save = lambda: str(board_file)
    panel.export_button.click()  # what `sora-studio storyboard run` reads
    loaded, _ = load_storyboard(board_file)
    assert loaded.to_dict() == panel.storyboard.to_dict()
    panel.set_storyboard(Storyboard())  # a fresh dock imports it back
    panel.files.ask_open = lambda: str(board_file)
    panel.import_button.click()
    assert panel.storyboard.to_dict() == loaded.to_dict() and "Imported board.toml" in panel.status.text()
    assert form.sound.text() == "waves, distant gulls" and form.dialogue.lines()[1].text == "Right on time."
    assert form.last_image.path == str(last)
    panel.session.undo_stack.undo()  # an import is one undo step
    assert panel.storyboard.shots == []
    panel.session.undo_stack.redo()
    broken = tmp_path / "broken.toml"
    broken.write_text(board_file.read_text().replace('sound = "waves', 'sound = waves'))
    panel.files.ask_open = lambda: str(broken)
    panel.import_button.click()  # refused with the file and line; nothing changes
    assert panel.status.text().startswith("Not imported: broken.toml:") and len(panel.storyboard.shots) == 1

    # clearing an image goes through the model too
    form.last_image.clear_button.click()
    assert panel.storyboard.shot(shot_id).last_image is None and form.last_image.path is None


def test_edits_are_undone_and_redone_through_the_session_stack(panel, tmp_path):
    stack = panel.session.undo_stack
    panel.add_shot()
    shot_id = panel.storyboard.shots[0].id
    _type(panel.form.sound, "rain")  # four key presses: one undo step
    panel.form.dialogue.add_button.click()
    _type(panel.form.dialogue.rows[0].speaker.lineEdit(), "Bo")
    _type(panel.form.dialogue.rows[0].text, "Hi")
    panel.form.image.ask = lambda: str(_png(tmp_path / "a.png", (10, 200, 10)))
    panel.form.image.choose_button.click()
    assert [stack.text(i) for i in range(stack.count())] == [
        "Add Shot", "Edit Sound Notes", "Edit Dialogue", "Edit Dialogue", "Edit First Image"]
    shot = lambda: panel.storyboard.shot(shot_id)
    stack.undo()
    assert shot().image is None and panel.form.image.path is None
    stack.undo()  # the typed line (speaker and text: one gesture)
    assert [(d.speaker, d.text) for d in shot().dialogue] == [("", "")]
    stack.undo()
    assert shot().dialogue == [] and panel.form.dialogue.rows == []
    stack.undo()
    assert shot().sound == "" and panel.form.sound.text() == ""
    stack.redo()
    stack.redo()
    assert shot().sound == "rain" and len(panel.form.dialogue.rows) == 1
    # settings, delete and reorder are undoable too
    panel.settings_form.aspect.setCurrentText("9:16")
    assert panel.storyboard.settings.aspect == "9:16"
    stack.undo()
    assert panel.storyboard.settings.aspect == "16:9" and panel.settings_form.aspect.currentText() == "16:9"
    panel.add_shot()
    second = panel.storyboard.shots[1].id
    panel.move_current(-1)
    assert [s.id for s in panel.storyboard.shots] == [second, shot_id]
    panel.remove_shot()
    assert [s.id for s in panel.storyboard.shots] == [shot_id]
    stack.undo()
    stack.undo()
    assert [s.id for s in panel.storyboard.shots] == [shot_id, second]
    assert panel.session.project.metadata["storyboard"]["shots"][1]["id"] == second


def test_last_image_needs_a_first_last_frame_model_and_a_first_image(panel, tmp_path):
    panel.add_shot()
    last = panel.form.last_image
    panel.check_now()
    assert not last.choose_button.isEnabled() and "first image" in last.choose_button.toolTip()
    panel.form.image.ask = lambda: str(_png(tmp_path / "a.png", (90, 90, 200)))
    panel.form.image.choose_button.click()
    assert last.choose_button.isEnabled() and last.blocked_reason == ""
    index = panel.settings_form.model.findData("ltx2-tiny")  # a model line without first+last frame
    assert index >= 0
    panel.settings_form.model.setCurrentIndex(index)
    assert panel.storyboard.settings.model == "ltx2-tiny"
    assert not last.choose_button.isEnabled()
    assert "flf2v" in last.choose_button.toolTip() and "ltx2-tiny" in last.choose_button.toolTip()
    last.ask = lambda: pytest.fail("a blocked picker must not ask for a file")
    last.choose()


def test_missing_and_unreadable_images_show_inline_errors(panel, tmp_path):
    board = Storyboard([Shot("a quiet harbour", seconds=2.0, id="s1", image=str(tmp_path / "gone.png"))])
    panel.set_storyboard(board)
    picker = panel.form.image
    assert picker.thumbnail_missing() and "File not found" in picker.error.text() and not picker.error.isHidden()
    assert picker.clear_button.isEnabled()
    not_image = tmp_path / "notes.png"
    not_image.write_text("not an image")
    picker.ask = lambda: str(not_image)
    picker.choose_button.click()
    assert "not a readable image" in picker.error.text()
    assert board.shot("s1").image == str(tmp_path / "gone.png")  # the shot keeps its value
    picker.clear_button.click()
    assert board.shot("s1").image is None and picker.error.isHidden()


def test_a_line_too_long_for_its_shot_shows_a_warning(qtbot, panel):
    board = Storyboard([Shot("two people at a bus stop", seconds=2.0, id="s1", dialogue=[
        DialogueLine("Ana", "Hi."),
        DialogueLine("Bo", "I have been waiting here for the bus since early this morning and it never came."),
    ])], StoryboardSettings())
    panel.set_storyboard(board)
    rows = panel.form.dialogue.rows
    qtbot.waitUntil(lambda: "Too long" in rows[1].fit.text(), timeout=20_000)
    assert "will not fit" in panel.form.dialogue.summary.text()
    assert "s spoken" in rows[0].fit.text() and "Too long" not in rows[0].fit.text()
    # a shorter shot: the first line fills it, the second would start after its end
    panel.form.seconds.setValue(1.0)
    qtbot.waitUntil(lambda: "start after the shot ends" in rows[1].fit.text(), timeout=20_000)
    # lengthening the shot makes it fit (the estimate follows the edit)
    panel.form.seconds.setValue(9.0)
    qtbot.waitUntil(lambda: "s spoken" in rows[1].fit.text(), timeout=20_000)
    assert "Too long" not in rows[1].fit.text() and panel.form.dialogue.summary.text() == ""


def test_core_problems_show_on_the_offending_field_and_card(panel):
    board = Storyboard([Shot("a lighthouse", seconds=2.0, id="ok"), Shot("the sea", seconds=30.0, id="long")])
    panel.set_storyboard(board)
    panel.check_now()
    assert panel.form.problem_text("seconds") == ""
    assert panel.cards.item(1).toolTip().startswith("shot 2: 30 s is longer than")
    panel.cards.setCurrentRow(1)
    assert "longer than" in panel.form.problem_text("seconds")
    panel.cards.setCurrentRow(0)
    panel.generate_all_button.click()  # refused before anything runs: the dock selects the shot named
    assert panel.cards.currentRow() == 1 and "longer than" in panel.form.problem_text("seconds")
    panel.form.seconds.setValue(2.0)
    panel.check_now()
    assert panel.form.problem_text("seconds") == "" and panel.cards.item(1).toolTip() == "the sea"


def test_card_keys_add_move_delete_inside_the_editor_window(qtbot):
    from sora_studio.ui.app import create_app
    from sora_studio.ui.main_window import MainWindow
    from sora_studio.ui.storyboard import install

    create_app([])
    window = MainWindow()
    window.projects.confirm_discard = lambda doing: True  # no "unsaved changes" question when it closes
    qtbot.addWidget(window)
    panel = install(window, lambda: None)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    cards = panel.cards
    cards.setFocus()
    QTest.keyClick(cards, Qt.Key.Key_Insert)
    QTest.keyClick(cards, Qt.Key.Key_Insert)
    assert len(panel.storyboard.shots) == 2 and cards.currentRow() == 1
    second = panel.storyboard.shots[1].id
    QTest.keyClick(cards, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert panel.storyboard.shots[0].id == second and cards.currentRow() == 0
    QTest.keyClick(cards, Qt.Key.Key_Delete)  # the window's Delete (delete clips) does not take it
    assert [s.id for s in panel.storyboard.shots] != [second] and len(panel.storyboard.shots) == 1
    panel.form.prompt.setFocus()
    QTest.keyClick(panel.form.prompt, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert len(panel.storyboard.shots) == 2
    panel.fit.close()
    panel.runner.close()
