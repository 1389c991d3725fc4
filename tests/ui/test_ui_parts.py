"""Smaller editor parts: the audio feed between playback thread and sound card, the Qt bug guard,
shortcuts versus text fields, the GUI entry point's argument check, the layout's track order."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def test_audio_feed_hands_out_samples_in_order_and_counts_silence():
    from sora_studio.ui.viewer.clock import AudioFeed

    feed = AudioFeed()
    ramp = np.arange(10, dtype=np.float32)
    feed.push(np.stack([ramp, -ramp]))  # [2, 10]
    out = np.ones((4, 2), np.float32)
    feed.pull(out)
    assert out[:, 0].tolist() == [0, 1, 2, 3] and out[:, 1].tolist() == [0, -1, -2, -3]
    out = np.ones((8, 2), np.float32)
    feed.pull(out)  # 6 left, then 2 samples of silence (an underrun)
    assert out[:6, 0].tolist() == [4, 5, 6, 7, 8, 9] and out[6:].tolist() == [[0, 0], [0, 0]]
    assert feed.consumed == 12 and feed.queued == 0, "the clock keeps running through an underrun"


def test_wall_clock_runs_at_rate_times_speed():
    import time

    from sora_studio.ui.viewer.clock import WallClock

    clock = WallClock()
    clock.start(100, -2.0, Fraction(24))
    time.sleep(0.25)
    position = clock.position()
    assert 100 - 2 * 24 * 0.5 < position < 100 - 2 * 24 * 0.2


def test_none_refcount_guard_sees_no_leak_with_the_pinned_pyside():
    from sora_studio.ui.qt_compat import none_refcount_leaks

    assert not none_refcount_leaks()


def test_typing_in_a_text_field_does_not_trigger_single_key_shortcuts(window, ui):
    session = window.session
    clip = ui.clip_by_name(session.timeline, "V1", "forest_walk.mp4")
    session.select({clip.id})
    session.set_playhead(120)
    window.inspector.name_edit.setFocus()
    before = session.timeline.snapshot()
    QTest.keyClicks(window.inspector.name_edit, "S M")
    assert session.timeline.snapshot() == before, "S and M went into the text, not to split/marker"
    QTest.keyClick(window.inspector.name_edit, Qt.Key.Key_Return)
    assert ui.clip_by_name(session.timeline, "V1", "forest_walk.mp4S M") is not None
    assert session.undo_stack.undoText() == "Rename Clip"


def test_gui_entry_point_refuses_a_missing_project(tmp_path, capsys):
    from sora_studio.ui.app import run_gui

    assert run_gui([str(tmp_path / "nope.sorastudio")]) == 2
    assert "no project" in capsys.readouterr().err


def test_layout_puts_the_highest_video_track_on_top():
    from sora_studio.ui.session import default_timeline
    from sora_studio.ui.timeline.layout import TimelineLayout

    layout = TimelineLayout()
    layout.update_rows(default_timeline())
    assert [r.track.name for r in layout.rows] == ["V2", "V1", "A1", "A2"]
    assert layout.row_at(layout.rows[1].top + 1).track.name == "V1"
    assert layout.nearest_row_of_kind(layout.rows[3].bottom + 50, "video").track.name == "V1"
    major, minor = layout.ruler_step(24)
    assert major * layout.pixels_per_frame >= 90 and major % minor == 0


def test_gui_without_a_display_says_so_instead_of_aborting(monkeypatch, capsys):
    import sys

    from sora_studio.ui.app import run_gui

    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert run_gui([]) == 1
    assert "no display" in capsys.readouterr().err


def test_install_panels_reports_a_broken_panel_and_keeps_the_editor(qtbot, tmp_path, monkeypatch):
    import sys

    from sora_studio.ui.app import create_app, install_panels
    from sora_studio.ui.main_window import MainWindow

    (tmp_path / "broken_panel.py").write_text("def install(window):\n    raise RuntimeError('no engine here')\n")
    (tmp_path / "good_panel.py").write_text(
        "from PySide6.QtWidgets import QLabel\n"
        "def install(window):\n    window.add_dock('Extra', QLabel('extra'), tabify_with='Inspector')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    create_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    assert install_panels(window, ("broken_panel", "no_such_panel")) == []
    assert "no engine here" in window.statusBar().currentMessage()
    assert install_panels(window, ("good_panel",)) == ["good_panel"]
    assert "Extra" in window.docks
    assert window.docks["Extra"].toggleViewAction() in window.panels_menu.actions()
    for name in ("broken_panel", "good_panel"):
        sys.modules.pop(name, None)


def test_audio_clock_plays_through_a_real_portaudio_stream(tmp_path):
    """ALSA's null device stands in for a sound card (it consumes samples unpaced): the stream opens, the
    callback drains the feed (preroll first) and the clock advances with the samples consumed."""
    import subprocess
    import sys
    from pathlib import Path

    assert Path("/usr/share/alsa/alsa.conf").exists(), "install libportaudio2 (it brings ALSA's config files)"
    conf = tmp_path / "asound.conf"
    conf.write_text("pcm.!default { type null }\n")
    code = (
        "import time, numpy as np\n"
        "from fractions import Fraction\n"
        "from sora_studio.ui.viewer.clock import AudioClock\n"
        "assert AudioClock.available()\n"
        "clock = AudioClock()\n"
        "clock.start(10, 1.0, Fraction(24), preroll=np.full((2, 4800), 0.25, np.float32))\n"
        "time.sleep(0.2)\n"
        "print(clock.feed.consumed, clock.feed.queued, clock.position())\n"
        "clock.stop()\n"
    )
    env = {**__import__("os").environ, "ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{conf}"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    consumed, queued, position = result.stdout.split()
    assert int(consumed) > 4800 and int(queued) == 0, "the device drained the preroll and then ran on silence"
    assert float(position) > 10


def test_window_layout_is_saved_per_user_and_restored(qtbot, studio_home):
    from sora_studio.ui.app import create_app
    from sora_studio.ui.main_window import MainWindow

    create_app([])
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.docks["Inspector"].hide()
    first.close()
    assert list(studio_home.rglob("editor-layout.ini")), "saved under SORA_STUDIO_HOME, not the real home"
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.restore_layout()
    second.show()
    assert second.docks["Inspector"].isHidden()
    assert not second.docks["Timeline"].isHidden()


def test_policy_is_compiled_off_the_gui_thread_at_start_up():
    import threading

    from sora_studio.core.safety import rules
    from sora_studio.ui.app import warm_policy_in_background

    rules._load_cached.cache_clear()
    warm_policy_in_background()
    warmer = next(t for t in threading.enumerate() if t.name == "policy-warm-up")
    assert warmer is not threading.current_thread()
    warmer.join(300)
    assert rules._load_cached.cache_info().currsize == 1  # compiled: the first prompt check finds it ready
