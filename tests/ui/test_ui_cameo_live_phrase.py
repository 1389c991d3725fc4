"""The live phrase step with the camera still running (offscreen Qt): a synthetic talking head played as the
camera source, whose own sound stands in for the microphone, goes through the face steps and then the phrase
step; the real analysis checks the phrase AND the mouth moving while it is spoken.

The clip: the head turns and the blink (no sound), a second of neutral face, then espeak-ng saying the phrase
while the mouth opens with its loudness. The attack clip has the same sound over a closed mouth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtWidgets import QWizard

from sora_studio.core.cameo import synthetic as syn
from sora_studio.core.cameo.store import CameoStore
from sora_studio.core.media.encode import write_clip
from sora_studio.ui.cameo.wizard import PAGE_ANALYSIS, PAGE_LIVE, PAGE_PHRASE, EnrollWizard

PHRASE = "the silver tiger carries five lanterns"
WRONG = "the golden river paints seven apples"
TURNS = ["left", "up"]
FPS = 15
RATE = 16000


@dataclass
class Clips:
    talking: Path  # turns, blink, pause, then the phrase spoken with the mouth moving
    still_mouth: Path  # the same picture up to the pause, then the same sound over a closed mouth
    wrong_phrase: Path  # turns, blink, then another phrase of the grammar spoken on camera
    phrase_wav: Path  # the phrase alone, as an audio file


def _talking_clip(path: Path, mesh: syn.FaceMesh, turns: np.ndarray, speech: np.ndarray, mouth: bool) -> Path:
    spoken = syn.render_clip(mesh, syn.ClipSpec(challenges=(), blink=False, seed=5, start_s=1.0),
                             speech=speech if mouth else np.zeros_like(speech))
    frames = np.concatenate([turns, spoken])
    sound = np.concatenate([np.zeros(int(len(turns) / FPS * RATE), np.float32), syn.clip_audio(len(spoken), FPS, speech)])
    return write_clip(path, frames, FPS, audio=sound[None], sample_rate=RATE, crf=23)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Clips:
    folder = tmp_path_factory.mktemp("cameo-live-phrase")
    mesh = syn.FaceMesh.from_image(syn.astronaut_face(160))
    turns = syn.render_clip(mesh, syn.ClipSpec(challenges=tuple(TURNS), fps=FPS))
    speech = syn.espeak_speech(PHRASE)
    wav = folder / "phrase.wav"
    sf.write(wav, speech, RATE)
    return Clips(_talking_clip(folder / "talking.mp4", mesh, turns, speech, mouth=True),
                 _talking_clip(folder / "still.mp4", mesh, turns, speech, mouth=False),
                 _talking_clip(folder / "wrong.mp4", mesh, turns, syn.espeak_speech(WRONG), mouth=True), wav)


def _through_face_steps(qtbot, store: CameoStore, video: Path) -> EnrollWizard:
    wizard = EnrollWizard(store)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.consent_page.new_profile.setText("Alice")
    wizard.consent_page.create_profile()
    wizard.consent_page.consent.setChecked(True)
    wizard.next()
    wizard.challenge_page.set_challenge(TURNS, PHRASE)
    wizard.challenge_page.name.setText("alice")
    wizard.next()
    assert wizard.currentId() == PAGE_LIVE
    live = wizard.live_page
    live.pace = False
    live.use_file(video)
    live.start_capture()
    qtbot.waitUntil(lambda: live.capture is not None or "Could not" in live.message.text(), timeout=60000)
    assert live.last_status is not None and live.last_status.complete, live.message.text()
    assert live.capture.session is not None and not live.capture.session.ended  # the camera keeps running
    wizard.next()
    assert wizard.currentId() == PAGE_PHRASE
    return wizard


def _play_phrase(qtbot, wizard: EnrollWizard) -> None:
    page = wizard.phrase_page
    assert page.play.isVisibleTo(page) and page.play.isEnabled() and not page.isComplete()
    assert "mouth check is made" in page.mouth_note.text()
    page.play.click()
    assert page.stop.isEnabled()
    qtbot.waitUntil(lambda: page.thread is None, timeout=60000)


def _analyse(qtbot, wizard: EnrollWizard):
    wizard.next()
    assert wizard.currentId() == PAGE_ANALYSIS
    analysis = wizard.analysis_page
    qtbot.waitUntil(lambda: analysis.result is not None or analysis.reasons.count() > 0, timeout=90000)
    return analysis


def test_talking_head_as_the_camera_passes_with_the_mouth_check_made(qtbot, clips):
    store = CameoStore()
    wizard = _through_face_steps(qtbot, store, clips.talking)
    _play_phrase(qtbot, wizard)
    page = wizard.phrase_page
    take = page.take
    assert take is not None and take.mouth_checkable and page.isComplete(), page.message.text()
    assert take.source == "the video file talking.mp4" and "checked against" in page.message.text()
    assert page.preview.pixmap() is not None and not page.preview.pixmap().isNull()  # the live view with the guide
    assert take.observations[0].time_s == 0.0 and 2.0 < take.seconds < 8.0  # frames and sound on one timeline

    analysis = _analyse(qtbot, wizard)
    result = analysis.result
    assert result is not None and result.passed, result and result.reasons
    assert result.mouth_check == "made" and result.mouth_movement >= 0.03
    wizard.button(QWizard.WizardButton.FinishButton).click()
    consent = store.require("alice").consent
    assert consent["mouth_check"] == "made" and "mouth moved while speaking" in consent["verified"]
    assert consent["capture"] == "recorded" and consent["phrase"] == PHRASE
    store.close()


def test_same_sound_over_a_closed_mouth_fails_with_the_mouth_message(qtbot, clips):
    store = CameoStore()
    wizard = _through_face_steps(qtbot, store, clips.still_mouth)
    _play_phrase(qtbot, wizard)
    assert wizard.phrase_page.take.mouth_checkable
    analysis = _analyse(qtbot, wizard)
    result = analysis.result
    assert result is not None and not result.passed and result.mouth_check == "made"
    assert result.speech["passed"]  # the phrase itself was heard: only the mouth gives it away
    shown = [analysis.reasons.item(i).text() for i in range(analysis.reasons.count())]
    assert any("mouth did not move" in r and "facing the camera" in r for r in shown), shown
    assert "Press Back to say the phrase again" in analysis.status.text()
    assert not analysis.isComplete()
    store.close()


def test_wrong_phrase_on_camera_fails_with_what_was_heard(qtbot, clips):
    store = CameoStore()
    wizard = _through_face_steps(qtbot, store, clips.wrong_phrase)
    _play_phrase(qtbot, wizard)
    analysis = _analyse(qtbot, wizard)
    shown = [analysis.reasons.item(i).text() for i in range(analysis.reasons.count())]
    assert not analysis.result.passed and any("did not match" in r for r in shown), shown
    assert "Press Back" in analysis.status.text()
    store.close()


def test_separate_audio_file_records_that_the_mouth_check_was_not_made(qtbot, clips):
    store = CameoStore()
    wizard = _through_face_steps(qtbot, store, clips.talking)
    page = wizard.phrase_page
    page.use_file(clips.phrase_wav)
    assert page.isComplete() and not page.take.mouth_checkable
    assert "mouth check is not made" in page.message.text()
    analysis = _analyse(qtbot, wizard)
    assert analysis.result is not None and analysis.result.passed, analysis.result and analysis.result.reasons
    assert analysis.result.mouth_movement is None
    wizard.button(QWizard.WizardButton.FinishButton).click()
    consent = store.require("alice").consent
    assert consent["mouth_check"].startswith("not made: the phrase came from a separate audio file")
    assert "mouth moved while speaking" not in consent["verified"]
    store.close()


def test_silent_clip_and_an_exhausted_file_say_what_to_do(qtbot, clips, tmp_path):
    mesh_frames = syn.render_clip(syn.FaceMesh.from_image(syn.astronaut_face(160)),
                                  syn.ClipSpec(challenges=tuple(TURNS), fps=FPS))
    silent = write_clip(tmp_path / "silent.mp4", np.concatenate([mesh_frames, mesh_frames[-1:].repeat(20, 0)]), FPS,
                        audio=np.zeros((1, int((len(mesh_frames) + 20) / FPS * RATE)), np.float32), sample_rate=RATE)
    store = CameoStore()
    wizard = _through_face_steps(qtbot, store, silent)
    page = wizard.phrase_page
    page.play.click()
    qtbot.waitUntil(lambda: page.thread is None, timeout=60000)
    assert not page.isComplete() and "silent or too short" in page.message.text() and "say the phrase" in page.message.text()
    page.play.click()  # the file has been played to its end: nothing left to record the phrase from
    qtbot.waitUntil(lambda: page.thread is None, timeout=60000)
    assert not page.isComplete() and "video file has ended" in page.message.text() and "Back" in page.message.text()
    store.close()


def test_cancel_while_the_phrase_plays_stops_the_camera(qtbot, clips):
    store = CameoStore()
    wizard = _through_face_steps(qtbot, store, clips.talking)
    wizard.live_page.pace = True  # real speed, so it is still playing when Cancel comes
    page = wizard.phrase_page
    page.play.click()
    thread, session = page.thread, wizard.live_page.capture.session
    qtbot.waitUntil(lambda: page.preview.pixmap() is not None and not page.preview.pixmap().isNull(), timeout=20000)
    wizard.reject()
    assert not thread.isRunning() and page.thread is None and session.ended and page.take is None
    store.close()


def test_mouth_frames_are_read_on_the_sound_timeline():
    """A file's frames carry the file's times; the sound taken from it starts at 2 s. The mouth moves at file
    times 3-4 s, where the sound has its speech (1-2 s into the take): aligned, the check passes; read on the
    file's own times it would look at a still mouth."""
    from sora_studio.core.cameo import enroll, live_phrase
    from sora_studio.core.cameo.landmarks import FaceObservation
    from sora_studio.core.cameo.phrase import PhraseResult

    def face(k: int) -> FaceObservation:
        t = k / FPS
        points = np.zeros((478, 3), np.float32)
        points[33, 0], points[263, 0] = 100, 160  # eye corners: face size 60 px
        gap = 12 * abs(np.sin(7 * t)) if 3.0 <= t <= 4.0 else 1.0
        points[13, 1], points[14, 1] = 200, 200 + gap
        return FaceObservation(k, t, 1, 120.0, landmarks=points)

    observations = [face(k) for k in range(int(5.0 * FPS))]
    speech = PhraseResult(True, PHRASE, PHRASE, "", 1.0, 2.0)
    aligned = live_phrase.on_audio_timeline(observations, 2.0)  # frames before the sound starts are dropped
    assert aligned[0].time_s == 0.0 and len(aligned) == len(observations) - 2 * FPS
    assert enroll.check_mouth(aligned, speech)[1] == ""
    assert "mouth did not move" in enroll.check_mouth(observations, speech)[1]
    assert "no face seen" in enroll.check_mouth(live_phrase.on_audio_timeline(observations, 4.5), speech)[1]
