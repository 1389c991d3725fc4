"""Storyboard runs from the dock (offscreen Qt): each shot's sound pass (the CLI's add_shot_audio: ambience
from the sound note, dialogue) lands on the timeline as one undo step; Stop cancels the engine job within
about a step, keeps the placed shots and leaves no file of the interrupted one; per-step progress reaches the
GUI thread. The real engine worker on tiny models, plus a fake generator for the thread and failure rules."""

import dataclasses
import threading

import numpy as np
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from sora_studio.core.audio.placement import track_role, track_speaker
from sora_studio.core.media.encode import write_clip
from sora_studio.core.project.bundle import Project
from sora_studio.core.storyboard.generator import GeneratedMedia
from sora_studio.core.storyboard.model import DialogueLine, Shot, StoryboardSettings
from sora_studio.core.storyboard.timeline_link import find_shot_clip
from sora_studio.core.timeline.model import NAMESPACE
from sora_studio.engine.shot_generator import EngineGenerator
from sora_studio.errors import Cancelled, StudioError


def _panel(qtbot, tmp_path, factory, own=True):
    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.storyboard.panel import StoryboardPanel

    session = EditorSession()
    project = Project.create(tmp_path / "p", rate=16, width=32, height=32, session=False)
    session.load(project.timeline, project)
    widget = StoryboardPanel(session, factory)
    if own:  # else its dock owns it
        qtbot.addWidget(widget)
    return widget


def _sound_clips(timeline, shot_clip):
    """{speaker or track role: clip} of the shot's sound: clips on audio role tracks that name its shot."""
    shot_id = shot_clip.metadata[NAMESPACE]["shot_id"]
    return {track_speaker(t) or track_role(t): c for t, c in timeline.clips()
            if track_role(t) and c.metadata.get(NAMESPACE, {}).get("shot_id") == shot_id}


def _watch_progress(panel):
    seen, threads = [], set()

    def on_step(step, steps):
        seen.append((step, steps))
        threads.add(QThread.currentThread() is QApplication.instance().thread())

    panel.runner.progress.connect(on_step)
    return seen, threads


def test_storyboard_dock_sound_pass_undo_and_stop_on_engine(qtbot, tiny_models, tmp_path):
    tiny_models.install("wan")
    tiny_models.install("stable-audio")
    panel = _panel(qtbot, tmp_path, EngineGenerator)
    board, session = panel.storyboard, panel.session
    board.settings = StoryboardSettings(aspect="1:1", resolution=32, fps=16, steps=2)
    board.add(Shot("a lighthouse at night", seconds=1.0, id="a", seed=1, sound="waves on rocks, wind",
                   dialogue=[DialogueLine("Keeper", "Light it.")]))
    board.add(Shot("the lamp turns", seconds=0.5, id="b", seed=2))
    seen, threads = _watch_progress(panel)
    panel.cards.setCurrentRow(0)
    with qtbot.waitSignal(panel.runner.finished, timeout=120_000) as blocker:
        panel.generate_shot_button.click()
    assert blocker.args == [True], panel.status.text()
    assert (1, 2) in seen and (2, 2) in seen and threads == {True}  # per step, delivered on the GUI thread
    assert panel.shot_progress.isHidden()
    # picture, then its sound: ambience and the keeper's line, linked to the shot's clip, inside the shot
    _track, clip = find_shot_clip(session.timeline, "a")
    sound = _sound_clips(session.timeline, clip)
    assert set(sound) == {"ambience", "Keeper"}, sound
    bed, line = sound["ambience"], sound["Keeper"]
    assert (bed.start, bed.duration, bed.link_group) == (clip.start, clip.duration, clip.link_group)
    assert clip.start < line.start and line.start + line.duration <= clip.start + clip.duration
    assert bed.take.metadata["sora_studio"]["generated"] is True  # the engine's Stable Audio made it
    assert all(session.project.resolve(c.take.url).is_file() for c in (bed, line))
    # one undo step per shot's sound; undo takes it off and leaves the picture, redo puts it back
    stack = session.undo_stack
    assert stack.count() == 2 and stack.text(1) == "Sound for shot 1"
    stack.undo()
    assert _sound_clips(session.timeline, clip) == {} and find_shot_clip(session.timeline, "a") is not None
    stack.redo()
    assert set(_sound_clips(session.timeline, clip)) == {"ambience", "Keeper"}
    before = session.timeline.snapshot()

    # Stop during a long shot: the engine job is cancelled within about a step (the worker keeps running)
    board.settings = dataclasses.replace(board.settings, steps=500)
    panel.cards.setCurrentRow(1)
    seen.clear()
    client = panel.runner._generator.client
    pid, engine_steps = client.worker_pid, []  # the engine's own steps, as its client reads them (no GUI lag)
    client.progress.connect(lambda _job, step, _steps, _eta: engine_steps.append(step))
    with qtbot.waitSignal(panel.runner.finished, timeout=120_000) as blocker:
        panel.generate_shot_button.click()
        qtbot.waitUntil(lambda: len(seen) >= 3 and seen[-1][0] >= 2 or not panel.runner.busy, timeout=60_000)
        assert panel.runner.busy, panel.status.text()
        assert not panel.shot_progress.isHidden() and panel.shot_progress.maximum() == 500
        at_stop = engine_steps[-1]
        panel.stop_button.click()
    assert blocker.args == [False] and panel.status.text() == "storyboard stopped"
    assert engine_steps[-1] <= at_stop + 3 < 500  # measured: 1-2 steps (~8 ms each) after Stop
    assert panel.runner._generator.client.worker_pid == pid  # cancelled by the worker, not killed
    assert session.timeline.snapshot() == before and find_shot_clip(session.timeline, "b") is None
    generated = session.project.media_dir / "generated"
    assert not [p.name for p in generated.iterdir() if "b-take" in p.name]  # no half-written media
    assert not panel.stop_button.isEnabled() and panel.shot_progress.isHidden()
    panel.close()  # closing the dock's panel shuts the worker down
    assert panel.runner._generator is None


class FakeGenerator:
    """A ShotGenerator for the dock's thread rules: real MP4s (picture, or a sound bed for audio requests),
    `steps` progress calls, optional blocking of the ambience job until cancel() and an ambience error."""

    def __init__(self, block_ambience=False, ambience_error=None):
        self.block_ambience, self.ambience_error = block_ambience, ambience_error
        self.cancelled = threading.Event()
        self.ambience_started = threading.Event()
        self.calls = []

    def __call__(self, request, output, progress=None):
        self.calls.append((request.model_id, QThread.currentThread() is QApplication.instance().thread()))
        if self.cancelled.is_set():
            raise Cancelled("stopped")
        fps, seconds = request.fps or 16, request.seconds
        frames = np.full((max(1, round(seconds * fps)), 32, 32, 3), 90, np.uint8)
        audio = None
        if request.model_id.startswith("stable-audio"):
            self.ambience_started.set()
            if self.ambience_error:
                raise StudioError(self.ambience_error)
            if self.block_ambience and self.cancelled.wait(30):
                raise Cancelled("stopped")
            audio = np.zeros((2, int(48000 * seconds)), np.float32)
        for step in range(1, 4):
            if progress is not None:
                progress(step, 3)
        write_clip(output, frames, fps, audio=audio)
        return GeneratedMedia(output, {"model_id": request.model_id, "prompt": request.prompt})

    def cancel(self):
        self.cancelled.set()

    def resume(self):
        self.cancelled.clear()


def test_storyboard_dock_stop_during_sound_and_sound_error(qtbot, tmp_path):
    blocking = FakeGenerator(block_ambience=True)
    panel = _panel(qtbot, tmp_path, lambda: blocking)
    board, session = panel.storyboard, panel.session
    board.settings = StoryboardSettings(aspect="1:1", resolution=32, fps=16)
    board.add(Shot("a dune", seconds=0.5, id="a", seed=1, sound="wind", dialogue=[DialogueLine("Ann", "Hot.")]))
    board.add(Shot("a camel", seconds=0.5, id="b", seed=2))
    seen, threads = _watch_progress(panel)
    with qtbot.waitSignal(panel.runner.finished, timeout=30_000) as blocker:
        panel.generate_all_button.click()
        qtbot.waitUntil(blocking.ambience_started.is_set, timeout=20_000)
        assert "sound for shot 1: ambience" in panel.status.text()
        assert panel.shot_progress.maximum() == 0  # busy while the sound is made
        panel.stop_button.click()
    assert blocker.args == [False] and panel.status.text() == "storyboard stopped"
    assert (3, 3) in seen and threads == {True}
    assert [model for model, on_gui in blocking.calls if not on_gui] == [m for m, _ in blocking.calls]  # off GUI
    _track, clip = find_shot_clip(session.timeline, "a")  # the picture stays; no sound, shot b never started
    assert _sound_clips(session.timeline, clip) == {} and find_shot_clip(session.timeline, "b") is None
    assert session.undo_stack.count() == 1
    made = session.project.media_dir / "generated"  # the stopped pass went no further: no sound files at all
    assert not [p.name for p in made.rglob("*") if p.suffix == ".wav" or p.name.startswith(".")]

    # a sound failure says what failed and keeps the picture; the run goes on
    failing = FakeGenerator(ambience_error="the audio model ran out of memory")
    panel2 = _panel(qtbot, tmp_path / "2", lambda: failing)
    panel2.storyboard.settings = board.settings
    panel2.storyboard.add(Shot("a dune", seconds=0.5, id="a", seed=1, sound="wind"))
    panel2.storyboard.add(Shot("a camel", seconds=0.5, id="b", seed=2))
    with qtbot.waitSignal(panel2.runner.finished, timeout=30_000) as blocker:
        panel2.generate_all_button.click()
    assert blocker.args == [True]
    text = panel2.status.text()
    assert text.startswith("storyboard generated") and "no ambience" in text and "ran out of memory" in text
    assert [find_shot_clip(panel2.session.timeline, s) is not None for s in "ab"] == [True, True]



def test_closing_the_dock_stops_the_run(qtbot, tmp_path):
    from PySide6.QtWidgets import QDockWidget

    blocking = FakeGenerator(block_ambience=True)
    panel = _panel(qtbot, tmp_path, lambda: blocking, own=False)
    dock = QDockWidget("Storyboard")
    dock.setWidget(panel)  # as MainWindow.add_dock does
    qtbot.addWidget(dock)
    dock.show()
    panel.storyboard.settings = StoryboardSettings(aspect="1:1", resolution=32, fps=16)
    panel.storyboard.add(Shot("a dune", seconds=0.5, id="a", seed=1, sound="wind"))
    with qtbot.waitSignal(panel.runner.finished, timeout=30_000) as blocker:
        panel.generate_all_button.click()
        qtbot.waitUntil(blocking.ambience_started.is_set, timeout=20_000)
        dock.close()
    assert blocker.args == [False] and blocking.cancelled.is_set() and not panel.runner.busy
    assert find_shot_clip(panel.session.timeline, "a") is not None  # the placed picture stays
