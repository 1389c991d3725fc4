"""Fixtures for the editor tests: real encoded demo media (made once per session), a project built from
it, and the main window opened on that project (offscreen Qt)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture(scope="session")
def demo_media_dir(tmp_path_factory) -> Path:
    from sora_studio.ui.demo import write_demo_media

    folder = tmp_path_factory.mktemp("demo-media")
    write_demo_media(folder)
    return folder


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, demo_media_dir) -> Path:
    """The demo project built once, with its thumbnail/waveform cache already filled."""
    from sora_studio.ui import media_previews
    from sora_studio.ui.demo import build_demo_project
    from sora_studio.ui.previews import THUMB_HEIGHT

    project = build_demo_project(tmp_path_factory.mktemp("demo-template"), media_dir=demo_media_dir)
    for item in project.media:
        path = str(project.resolve(item.url))
        if item.kind != "audio":
            media_previews.thumbnail_frames(path, THUMB_HEIGHT, project.cache_dir)
        media_previews.waveform_peaks(path, project.cache_dir)
    path = project.path
    project.close()
    return path


@pytest.fixture
def demo_project(tmp_path, demo_template):
    """A fresh copy of the demo project for one test."""
    import shutil

    target = tmp_path / demo_template.name
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def open_window(qtbot):
    """`open_window(project_path, size=None)`: a shown main window with the project open, closed after the test.
    Prompts are answered from `win.projects.answers` in order, else Discard unsaved work and Yes to the rest;
    their titles are kept in `win.projects.asked`."""
    from sora_studio.ui.app import create_app
    from sora_studio.ui.main_window import MainWindow

    opened = []

    def open_(path, size: tuple[int, int] | None = None):
        create_app([])
        win = MainWindow()
        win.projects.answers = []
        win.projects.asked = []

        def ask(title, text, buttons, default):
            win.projects.asked.append(title)
            if win.projects.answers:
                return win.projects.answers.pop(0)
            B = QMessageBox.StandardButton
            return B.Discard if title == "Unsaved changes" else B.Yes

        win.projects.ask = ask
        win.projects.tell = lambda title, text, warning=True: win.projects.asked.append(f"tell:{title}:{text}")
        qtbot.addWidget(win)
        if size is not None:
            win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        assert win.open_path(path)
        opened.append(win)
        return win

    yield open_
    for win in opened:
        win.close()


@pytest.fixture
def window(open_window, demo_project):
    win = open_window(demo_project, size=(1600, 960))
    win.timeline_panel.zoom_to_fit()
    return win


def clip_by_name(timeline, track_name: str, clip_name: str):
    for track in timeline.tracks:
        if track.name == track_name:
            for clip in track.clips:
                if clip.name == clip_name:
                    return clip
    raise KeyError((track_name, clip_name))


def drag(view, start: QPointF, end: QPointF, modifiers=Qt.KeyboardModifier.NoModifier, steps: int = 8) -> None:
    """A real mouse drag on the view's viewport (press, several moves, release) at scene coordinates."""
    viewport = view.viewport()
    a = view.mapFromScene(start)
    b = view.mapFromScene(end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, modifiers, a)
    for i in range(1, steps + 1):
        p = QPoint(round(a.x() + (b.x() - a.x()) * i / steps), round(a.y() + (b.y() - a.y()) * i / steps))
        QTest.mouseMove(viewport, p)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifiers, b)


def wait_for(qtbot, condition, timeout_ms: int = 15000) -> None:
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        qtbot.wait(10)


@pytest.fixture
def ui():
    """Helpers for the tests (conftest modules can't be imported under --import-mode=importlib)."""
    from types import SimpleNamespace

    return SimpleNamespace(drag=drag, clip_by_name=clip_by_name, wait_for=wait_for)
