"""Audio scrubbing and the viewer's playback thread lifetime.

The grains are read from the playback thread's AudioFeed exactly as the sound card's callback pulls them
(there is no output device on CI), and compared with the compositor's audio at the same frame."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from sora_studio.core.audio.mixdown import samples_at
from sora_studio.ui.viewer.scrub import GRAIN_MIN_S, ScrubAudio, grain_samples, shape_grain

SR = 48000


@pytest.fixture
def noise_window(open_window, tmp_path):
    """Main window on a project holding 4 s of noise (16-bit WAV, so every frame's samples are distinct)."""
    from sora_studio.core.audio.placement import place_audio_clip
    from sora_studio.core.media.synth import write_audio_file
    from sora_studio.core.project.bundle import Project

    noise = (0.05 * np.random.default_rng(11).standard_normal((2, 4 * SR))).astype(np.float32)
    project = Project.create(tmp_path / "Scrub.sorastudio", rate=24, width=64, height=64)
    item = project.import_media(write_audio_file(tmp_path / "noise.wav", noise, SR, codec="pcm_s16le"))
    edit, _ = place_audio_clip(project.timeline, item, "music", start=0)
    edit.apply(project.timeline)
    project.save()
    path = project.path
    project.close()
    return open_window(path)


def _measured(playback) -> bool:
    thread = playback._thread
    return thread.mix is not None and thread.analyser.levels(thread.mix.fingerprint) is not None


def _expected_grain(session, playback, frame: int) -> np.ndarray:
    """The compositor's audio at `frame`, with the programme's loudness gain and the grain's fades."""
    from sora_studio.core.export.composite import TimelineCompositor

    gain = playback._thread.analyser.levels(playback._thread.mix.fingerprint).gain_db
    with TimelineCompositor(session.timeline, session.resolve, 64, 64) as compositor:
        block = compositor.audio_samples(samples_at(frame, session.timeline.rate, SR), grain_samples(Fraction(24)))
    return shape_grain(block * np.float32(10 ** (gain / 20)))


def _heard(scrub: ScrubAudio) -> np.ndarray:
    """What the device would play next: pulled from the feed as the PortAudio callback does ([N, 2])."""
    out = np.zeros((scrub.feed.queued, 2), np.float32)
    scrub.feed.pull(out)
    return out.T


def test_stepping_and_scrubbing_play_a_grain_of_the_frame(noise_window, ui, qtbot):
    win, session = noise_window, noise_window.session
    playback = win.viewer.playback
    assert playback.scrub_audio and win.actions_["scrub_audio"].isChecked()  # on by default
    ui.wait_for(qtbot, lambda: _measured(playback))
    scrub = playback.scrub
    session.set_playhead(40)
    ui.wait_for(qtbot, lambda: scrub.grains_played >= 1)
    ui.wait_for(qtbot, lambda: win.viewer.frame_view.index == 40)
    heard = _heard(scrub)
    assert heard.shape == (2, 2000)  # one frame at 24 fps: 41.7 ms
    np.testing.assert_allclose(heard, _expected_grain(session, playback, 40), atol=1e-5)
    assert np.abs(heard[:, 0]).max() < 1e-3 and np.abs(heard[:, -1]).max() < 1e-3  # faded: no click
    assert not np.allclose(heard, _expected_grain(session, playback, 41), atol=1e-3)
    played = scrub.grains_played
    time.sleep(GRAIN_MIN_S * 1.5)
    QTest.keyClick(win, Qt.Key.Key_Right)  # frame step: the grain of frame 41
    ui.wait_for(qtbot, lambda: scrub.grains_played == played + 1)
    np.testing.assert_allclose(_heard(scrub), _expected_grain(session, playback, 41), atol=1e-5)


def test_a_fast_drag_is_rate_limited_and_ends_on_the_last_frame(noise_window, ui, qtbot):
    win, session = noise_window, noise_window.session
    playback = win.viewer.playback
    ui.wait_for(qtbot, lambda: _measured(playback))
    scrub = playback.scrub
    before = scrub.grains_played
    started = time.monotonic()
    for frame in range(1, 61):  # a drag across 60 frames, faster than grains last
        session.set_playhead(frame)
        qtbot.wait(1)
    elapsed = time.monotonic() - started
    ui.wait_for(qtbot, lambda: scrub.wait_s() == 0 and playback._thread._grain is None)
    played = scrub.grains_played - before
    assert 1 <= played <= elapsed / (2000 / SR) + 2, (played, elapsed)
    assert played < 60
    assert scrub.feed.queued == 2000  # one grain waiting, never a backlog
    np.testing.assert_allclose(_heard(scrub), _expected_grain(session, playback, 60), atol=1e-5)


def test_scrubbing_can_be_switched_off_and_stays_off(noise_window, ui, qtbot):
    from sora_studio.ui.viewer.playback import SCRUB_SETTING, preferences

    win, session = noise_window, noise_window.session
    playback = win.viewer.playback
    ui.wait_for(qtbot, lambda: playback.running)
    win.actions_["scrub_audio"].trigger()
    assert not playback.scrub_audio and preferences().value(SCRUB_SETTING, True, type=bool) is False
    before = playback.scrub.grains_played
    session.set_playhead(30)
    ui.wait_for(qtbot, lambda: win.viewer.frame_view.index == 30)
    qtbot.wait(100)
    assert playback.scrub.grains_played == before
    playback.play(1.0)  # no grains while playing either
    win.actions_["scrub_audio"].trigger()
    session.set_playhead(5)
    qtbot.wait(100)
    playback.pause()
    assert playback.scrub.grains_played == before


def test_scrub_rate_limit_and_grain_shape():
    now = [100.0]
    scrub = ScrubAudio(clock=lambda: now[0])
    assert scrub.wait_s() == 0
    scrub.play(np.ones((2, 2000), np.float32))
    assert scrub.wait_s() == pytest.approx(2000 / SR)
    now[0] += 0.03
    assert scrub.wait_s() == pytest.approx(2000 / SR - 0.03)
    scrub.play(np.ones((2, 2000), np.float32))  # the first was never pulled: replaced, not queued behind
    assert scrub.feed.queued == 2000 and scrub.grains_dropped == 1
    assert grain_samples(Fraction(24)) == 2000 and grain_samples(Fraction(60)) == round(0.04 * SR)
    assert grain_samples(Fraction(10)) == round(0.08 * SR)
    shaped = shape_grain(np.ones((2, 2000), np.float32))
    assert shaped[0, 0] < 0.01 and shaped[0, -1] < 0.01 and shaped[0, 1000] == 1.0
    assert np.all(np.diff(shaped[0, :192]) > 0)  # a smooth 4 ms ramp


def test_playback_thread_lives_with_the_viewer(noise_window, ui, qtbot):
    import shiboken6
    from PySide6.QtWidgets import QMessageBox

    from sora_studio.core.timeline.edits import SetTrackProperty
    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.viewer.panel import ViewerPanel

    win = noise_window
    playback = win.viewer.playback
    ui.wait_for(qtbot, lambda: playback.running)
    session = win.session
    win.projects.ask = lambda *a: QMessageBox.StandardButton.Cancel
    session.do(SetTrackProperty(session.timeline.audio_tracks()[-1].id, "gain_db", -3.0))  # unsaved work
    assert not win.close()  # vetoed: the window stays, and so does its playback
    assert playback.running
    win.docks["Viewer"].hide()
    ui.wait_for(qtbot, lambda: not playback.running)
    win.docks["Viewer"].show()
    ui.wait_for(qtbot, lambda: playback.running)
    session.set_playhead(12)
    ui.wait_for(qtbot, lambda: win.viewer.frame_view.index == 12)  # the fresh thread shows frames
    playback.shutdown()
    playback.shutdown()  # idempotent
    assert not playback.running
    win.projects.ask = lambda *a: QMessageBox.StandardButton.Discard

    panel = ViewerPanel(EditorSession())
    panel.show()
    ui.wait_for(qtbot, lambda: panel.playback.running)
    thread = panel.playback._thread
    shiboken6.delete(panel)  # destroyed without being closed
    assert not thread.isRunning()
