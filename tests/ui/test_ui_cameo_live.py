"""Live enrollment in the wizard (offscreen Qt): a real OpenCV capture, the face guide, the challenge followed
frame by frame, the phrase from a file when there is no microphone, then the real analysis and the store.

A synthetic head-turn video (the astronaut photo warped through its 3D landmark mesh) stands in for the
camera, through the same VideoSource a webcam index uses.
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
from sora_studio.ui.cameo import live_page
from sora_studio.ui.cameo.wizard import PAGE_ANALYSIS, PAGE_LIVE, PAGE_PHRASE, EnrollWizard

PHRASE = "the silver tiger carries five lanterns"
TURNS = ["left", "up"]


@dataclass
class LiveMedia:
    turns: Path  # neutral, left, up, blink: no sound
    no_face: Path
    phrase_wav: Path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> LiveMedia:
    folder = tmp_path_factory.mktemp("cameo-live")
    mesh = syn.FaceMesh.from_image(syn.astronaut_face(192))
    frames = syn.render_clip(mesh, syn.ClipSpec(challenges=tuple(TURNS), fps=15))
    wall = np.clip(np.random.default_rng(3).normal(140, 3, (20, 192, 192, 3)), 0, 255).astype(np.uint8)
    wav = folder / "phrase.wav"
    sf.write(wav, syn.espeak_speech(PHRASE), 16000)
    return LiveMedia(write_clip(folder / "turns.mp4", frames, 15, crf=23),
                     write_clip(folder / "wall.mp4", wall, 15, crf=23), wav)


def _to_live_page(qtbot, store):
    wizard = EnrollWizard(store)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.consent_page.new_profile.setText("Alice")
    wizard.consent_page.create_profile()
    wizard.consent_page.consent.setChecked(True)
    wizard.next()
    wizard.challenge_page.set_challenge(TURNS, PHRASE)
    wizard.challenge_page.name.setText("alice")
    assert wizard.challenge_page.live.isChecked() and wizard.challenge_page.isComplete()
    wizard.next()
    assert wizard.currentId() == PAGE_LIVE
    page = wizard.live_page
    page.pace = False
    return wizard, page


def _capture(qtbot, page, video: Path) -> None:
    page.use_file(video)
    page.start_capture()
    assert not page.start.isEnabled() and page.stop.isEnabled()
    qtbot.waitUntil(lambda: page.capture is not None or "Could not" in page.message.text(), timeout=60000)


def test_live_capture_from_a_video_enrolls_with_a_phrase_file(qtbot, media):
    store = CameoStore()
    wizard, page = _to_live_page(qtbot, store)
    _capture(qtbot, page, media.turns)
    status = page.last_status
    assert status is not None and status.complete and status.seen == TURNS and status.warning == ""
    assert page.guide_colour == live_page.GREEN and page.last_guide.ok
    assert page.progress.value() == 100 and page.steps.item(1).text().startswith("✓ turn your head left")
    assert page.preview.pixmap() is not None and not page.preview.pixmap().isNull()
    assert page.isComplete()

    wizard.next()
    assert wizard.currentId() == PAGE_PHRASE
    phrase = wizard.phrase_page
    assert PHRASE in phrase.phrase_label.text()
    if phrase.recorder is None:  # this machine has no microphone: said plainly, recording disabled
        assert "No microphone" in phrase.mic_status.text() and not phrase.record.isEnabled()
    assert not phrase.isComplete()
    phrase.use_file(media.phrase_wav)
    assert phrase.isComplete()

    wizard.next()
    assert wizard.currentId() == PAGE_ANALYSIS
    analysis = wizard.analysis_page
    qtbot.waitUntil(lambda: analysis.result is not None or analysis.reasons.count() > 0, timeout=90000)
    assert analysis.result is not None and analysis.result.passed, analysis.result and analysis.result.reasons
    wizard.button(QWizard.WizardButton.FinishButton).click()
    cameo = store.require("alice")
    assert wizard.enrolled is not None and cameo.id == wizard.enrolled.id
    assert cameo.consent["capture"] == "recorded"  # a file stood in for the camera: never called "live"
    assert cameo.consent["challenges"] == TURNS and cameo.consent["phrase"] == PHRASE
    assert {"front", "left", "up", "voice"} <= set(cameo.media)
    store.close()


def test_guide_turns_amber_without_a_face(qtbot, media):
    store = CameoStore()
    _, page = _to_live_page(qtbot, store)
    _capture(qtbot, page, media.no_face)
    assert page.guide_colour == live_page.AMBER and not page.last_guide.ok
    assert "no face" in page.hint.text() and page.last_status.done == 0
    assert "Not every step was seen" in page.message.text()
    store.close()


def test_unopenable_camera_offers_a_video_file(qtbot, media):
    store = CameoStore()
    _, page = _to_live_page(qtbot, store)
    page.camera.setCurrentText("Camera 3")  # no such device on a test machine
    page.start_capture()
    qtbot.waitUntil(lambda: "camera could not be used" in page.message.text(), timeout=20000)
    assert "no camera" in page.message.text() and page.camera.currentText() == live_page.FILE_CHOICE
    assert page.file.isVisibleTo(page) and not page.isComplete() and page.start.isEnabled()
    store.close()


@pytest.fixture
def fake_microphone(tmp_path, monkeypatch, media):
    """A real ALSA capture device (the `file` plugin reading raw 16 kHz mono samples) that PortAudio lists
    and sounddevice records from, bit-exact: the phrase, then silence. PortAudio is re-scanned around it."""
    sd = pytest.importorskip("sounddevice")
    alsa_conf = Path("/usr/share/alsa/alsa.conf")
    if not alsa_conf.is_file():
        pytest.skip("needs ALSA's configuration (libasound2-data)")
    speech, _ = sf.read(media.phrase_wav, dtype="int16")
    raw = tmp_path / "mic.raw"
    np.concatenate([np.zeros(3200, np.int16), speech, np.zeros(16000 * 20, np.int16)]).tofile(raw)
    conf = tmp_path / "fakemic.conf"
    conf.write_text('pcm.!default { type plug\n slave.pcm "fakemic" }\n'
                    f'pcm.fakemic {{ type file\n slave.pcm "null"\n file "/dev/null"\n infile "{raw}"\n'
                    ' format "raw" }\n')
    monkeypatch.setenv("ALSA_CONFIG_PATH", f"{alsa_conf}:{conf}")
    sd._terminate()
    sd._initialize()
    yield len(speech) / 16000
    monkeypatch.delenv("ALSA_CONFIG_PATH")
    sd._terminate()
    sd._initialize()


def test_phrase_recorded_from_a_microphone_with_a_level_meter(qtbot, fake_microphone):
    from sora_studio.core.cameo.phrase import check_phrase

    store = CameoStore()
    wizard = EnrollWizard(store)
    qtbot.addWidget(wizard)
    wizard.challenge_page.set_challenge(TURNS, PHRASE)
    page = wizard.phrase_page
    page.initializePage()
    assert page.recorder is not None and page.record.isEnabled() and "Press Record" in page.mic_status.text()
    levels = []
    page.meter.valueChanged.connect(levels.append)
    page.record.click()
    assert page.stop.isEnabled() and not page.isComplete()
    qtbot.wait(int((fake_microphone + 0.6) * 1000))
    page.stop.click()
    assert page.isComplete() and page.audio_source == "microphone" and max(levels) > 50
    assert check_phrase(page.audio, PHRASE).passed  # the recorded sound is the phrase, heard by the recogniser
    store.close()


def test_cancel_during_capture_stops_the_camera(qtbot, media):
    store = CameoStore()
    wizard, page = _to_live_page(qtbot, store)
    page.pace = True  # plays at real speed, so the capture is still running when Cancel comes
    page.use_file(media.turns)
    page.start_capture()
    thread = page.thread
    qtbot.waitUntil(lambda: page.last_guide is not None, timeout=20000)
    wizard.reject()
    assert not thread.isRunning() and page.capture is None and page.thread is None
    store.close()


def test_pet_live_capture_skips_face_steps_and_phrase(qtbot, media):
    store = CameoStore()
    wizard = EnrollWizard(store)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.consent_page.new_profile.setText("Alice")
    wizard.consent_page.create_profile()
    wizard.consent_page.kind.setCurrentText("pet")
    wizard.consent_page.consent.setChecked(True)
    wizard.next()
    wizard.challenge_page.name.setText("rex")
    wizard.next()
    assert wizard.currentId() == PAGE_LIVE
    page = wizard.live_page
    page.pace = False
    _capture(qtbot, page, media.no_face)  # any footage of the animal; no face guide, no turns
    assert page.last_status is None and page.hint.text() == "keep the pet or object in view"
    wizard.next()
    assert wizard.currentId() == PAGE_ANALYSIS  # no phrase for a pet
    analysis = wizard.analysis_page
    qtbot.waitUntil(lambda: analysis.result is not None or analysis.reasons.count() > 0, timeout=30000)
    assert analysis.result.passed
    wizard.button(QWizard.WizardButton.FinishButton).click()
    cameo = store.require("rex")
    assert cameo.kind == "pet" and cameo.consent["attested_by_owner"] and cameo.consent["capture"] == "recorded"
    store.close()


def test_a_webcam_capture_is_timed_by_the_frames_it_delivered():
    from sora_studio.core.cameo.capture import Frame
    from sora_studio.ui.cameo.live_capture import _measured_rate

    delivered = [Frame(i, 0.2 + i / 12.5, None) for i in range(26)]  # reports 30 fps, delivers 12.5
    assert abs(_measured_rate(delivered) - 12.5) < 1e-9 and _measured_rate(delivered[:1]) == 15.0
