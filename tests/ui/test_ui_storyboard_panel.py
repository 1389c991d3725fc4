"""The storyboard dock (offscreen Qt): editing, reorder, refusals, and Generate all on the tiny models
through the engine worker process, as in the app (inference never runs inside the GUI process: a garbage
collection on a worker thread there can finalise Qt objects off the GUI thread); the timeline edits land on
the session's undo stack."""

import pytest
from PySide6.QtCore import QModelIndex

from sora_studio.core.project.bundle import Project
from sora_studio.core.storyboard.model import Shot, StoryboardSettings
from sora_studio.core.storyboard.timeline_link import shot_id_of
from sora_studio.engine.shot_generator import EngineGenerator


@pytest.fixture
def panel(qtbot, tmp_path):
    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.storyboard.panel import StoryboardPanel

    session = EditorSession()
    project = Project.create(tmp_path / "p", rate=16, width=32, height=32, session=False)
    session.load(project.timeline, project)
    widget = StoryboardPanel(session, EngineGenerator)
    qtbot.addWidget(widget)
    yield widget
    widget.runner.close()


def test_storyboard_panel_edit_reorder_refuse(panel):
    panel.add_shot()
    panel.add_shot()
    assert panel.cards.count() == 2 and panel.cards.currentRow() == 1
    panel.form.seconds.setValue(1.5)
    panel.form.camera.setCurrentText("orbit")
    shot = panel.storyboard.shots[1]
    assert (shot.seconds, shot.camera) == (1.5, "orbit")
    assert panel.session.project.metadata["storyboard"]["shots"][1]["camera"] == "orbit"
    panel.form.prompt.setPlainText("   ")  # refused: nothing changes, the field and status line say why
    assert panel.storyboard.shots[1].prompt == "describe the shot" and "prompt is empty" in panel.status.text()
    assert "prompt is empty" in panel.form.problem_text("prompt")
    first, second = (s.id for s in panel.storyboard.shots)
    assert panel.cards.model().moveRow(QModelIndex(), 1, QModelIndex(), 0)  # what a drag does
    assert [s.id for s in panel.storyboard.shots] == [second, first]


def test_storyboard_panel_generate_all(qtbot, tiny_models, panel):
    tiny_models.install("wan")
    tiny_models.install("wan-i2v")
    board = panel.storyboard
    board.settings = StoryboardSettings(aspect="1:1", resolution=32, fps=16)
    board.add(Shot("a lighthouse", seconds=0.25, id="a", seed=1))
    board.add(Shot("the lamp turns on", seconds=0.25, id="b", transition="continue", seed=2))
    with qtbot.waitSignal(panel.runner.finished, timeout=120_000) as blocker:
        panel.generate_all_button.click()
    assert blocker.args == [True], panel.status.text()
    clips = panel.session.timeline.video_tracks()[0].clips
    assert [shot_id_of(c) for c in clips] == ["a", "b"]
    assert panel.session.undo_stack.count() == 2
    panel.cards.setCurrentRow(0)  # a shot already on the timeline is regenerated in place (new takes on its clip)
    assert panel.generate_shot_button.text() == "Regenerate shot"
    panel.session.undo_stack.undo()
    assert [shot_id_of(c) for c in panel.session.timeline.video_tracks()[0].clips] == ["a"]
    # Stop: the engine job of the shot being generated is cancelled, nothing more is placed
    with qtbot.waitSignal(panel.runner.finished, timeout=120_000) as blocker:
        panel.generate_all_button.click()
        assert panel.stop_button.isEnabled()
        panel.stop_button.click()
    assert blocker.args == [False] and panel.status.text() == "storyboard stopped"
    assert [shot_id_of(c) for c in panel.session.timeline.video_tracks()[0].clips] == ["a"]
    assert not panel.stop_button.isEnabled()
    # refused before anything runs: an unknown style
    board.update("a", style="vaporwave")
    panel.generate_all_button.click()
    assert "unknown style" in panel.status.text() and not panel.runner.busy


def test_storyboard_dock_installs_in_main_window(qtbot):
    from sora_studio.ui.app import create_app
    from sora_studio.ui.main_window import MainWindow
    from sora_studio.ui.storyboard import install

    create_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    panel = install(window, EngineGenerator)
    assert window.docks["Storyboard"].widget() is panel
    panel.generate_all_button.click()  # no shots: refused with a reason, nothing runs
    assert panel.status.text() and not panel.runner.busy
