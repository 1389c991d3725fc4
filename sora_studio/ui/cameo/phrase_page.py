"""The wizard's spoken-phrase step, with the camera of the live step still running: record the random phrase
from the microphone (level meter, Stop) while the camera watches the mouth; or, when a video file stood in
for the camera, play the file on: its picture and its own sound are the take; or choose an audio file.

The mouth-movement check needs picture and sound recorded together (`core/cameo/live_phrase.py` says when
that holds); otherwise the phrase is still checked and the consent record says the mouth check was not made.
Recording uses sounddevice's InputStream (mono 16 kHz 16-bit, the format every input offers; converted to
the float samples `phrase.check_phrase` reads); its callback runs on PortAudio's thread and only appends
samples and posts a level, the page paints it. The camera runs in a PhraseCaptureThread. The phrase and the
mouth are checked later, with the face frames, in the analysis step.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QVBoxLayout,
                               QWizardPage)

from sora_studio.core.cameo import live_phrase
from sora_studio.core.cameo.capture import AUDIO_RATE, MicrophoneSource, read_audio_file
from sora_studio.core.cameo.live_guide import Guide
from sora_studio.errors import StudioError
from sora_studio.ui.cameo.live_capture import CaptureSession, PhraseCaptureThread
from sora_studio.ui.cameo.live_page import AMBER, GREEN, paint_guide

MAX_RECORD_SECONDS = 15.0
PREVIEW_SIZE = (320, 240)


def level_percent(block: np.ndarray) -> int:
    """0..100 for a meter: RMS in dB from -60 (silence) to 0 (full scale)."""
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))) if block.size else 0.0
    db = 20 * np.log10(max(rms, 1e-6))
    return int(np.clip((db + 60) / 60 * 100, 0, 100))


class MicrophoneRecorder(QObject):
    """Records from the default input until stopped (or 15 s); `level` is posted for every block."""

    level = Signal(int)
    stopped = Signal()

    def __init__(self, device: int | str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        MicrophoneSource(device)  # raises StudioError('no camera/microphone found: ...') without an input
        import sounddevice as sd

        self._sd, self._device = sd, device
        self._chunks: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._stream = None
        self.started_at: float | None = None  # time.monotonic() when the stream started: the sound's time 0
        self._limit = QTimer(self)
        self._limit.setSingleShot(True)
        self._limit.timeout.connect(self.stop)

    def start(self) -> None:
        self._chunks = []
        self._stream = self._sd.InputStream(samplerate=AUDIO_RATE, channels=1, dtype="int16",
                                            device=self._device, callback=self._on_block)
        self._stream.start()
        self.started_at = time.monotonic()
        self._limit.start(int(MAX_RECORD_SECONDS * 1000))

    def _on_block(self, data, frames, time_info, status) -> None:  # PortAudio's thread
        block = data[:, 0].astype(np.float32) / 32768.0
        with self._lock:
            self._chunks.append(block)
        self.level.emit(level_percent(block))

    @property
    def recording(self) -> bool:
        return self._stream is not None

    @Slot()
    def stop(self) -> None:
        self._limit.stop()
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
            self.stopped.emit()

    def audio(self) -> np.ndarray:
        with self._lock:
            return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)


class PhrasePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Say the phrase")
        self.phrase_label = QLabel("")
        font = QFont(self.phrase_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.phrase_label.setFont(font)
        self.phrase_label.setWordWrap(True)
        self.mic_status = QLabel("")
        self.mic_status.setWordWrap(True)
        self.preview = QLabel("the camera shows here while you speak")
        self.preview.setFixedSize(*PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #111; color: #aaa;")
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.record = QPushButton("Record")
        self.record.clicked.connect(self.start_recording)
        self.play = QPushButton("Play the video on (its picture and sound)")
        self.play.clicked.connect(self.play_video)
        self.stop = QPushButton("Stop")
        self.stop.clicked.connect(self.stop_recording)
        self.stop.setEnabled(False)
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setFormat("level")
        mic_row = QHBoxLayout()
        for widget in (self.record, self.play, self.stop, self.meter):
            mic_row.addWidget(widget)
        self.file = QLineEdit(placeholderText="or an audio file of you saying the phrase (WAV, MP3, M4A…)")
        self.file.editingFinished.connect(self._load_typed_file)
        browse = QPushButton("Choose audio file…")
        browse.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file)
        file_row.addWidget(browse)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.mouth_note = QLabel("")
        self.mouth_note.setWordWrap(True)
        self.mouth_note.setStyleSheet("color: #999;")
        layout = QVBoxLayout(self)
        for item in (self.phrase_label, self.mic_status, self.preview, self.hint, mic_row, file_row, self.message,
                     self.mouth_note):
            (layout.addLayout if isinstance(item, QHBoxLayout) else layout.addWidget)(item)
        layout.addStretch(1)
        self.recorder: MicrophoneRecorder | None = None
        self.thread: PhraseCaptureThread | None = None
        self.take: live_phrase.PhraseTake | None = None
        self.audio: np.ndarray | None = None
        self.audio_source = ""

    # -- set-up ----------------------------------------------------------------------------
    def _session(self) -> CaptureSession | None:
        """The live step's camera (or stand-in video file), still open, or None when none is running."""
        capture = getattr(self.wizard().live_page, "capture", None)
        return capture.session if capture is not None else None

    def _pace(self) -> bool:
        return bool(getattr(self.wizard().live_page, "pace", True))

    def initializePage(self) -> None:  # noqa: N802
        phrase = self.wizard().challenge_page.phrase
        self.phrase_label.setText(f'Say, clearly: "{phrase}"')
        self._set_take(None)
        self.message.clear()
        self.hint.clear()
        session = self._session()
        try:
            self.recorder = MicrophoneRecorder(parent=self)
        except StudioError as exc:
            self.recorder = None
            self.mic_status.setText(
                "No microphone found on this machine, so recording is off. " + (
                    "The video file's own sound is used instead (Play the video on)."
                    if session is not None and not session.live else
                    "Choose an audio file of you saying the phrase instead (Choose audio file…)."))
            self.mic_status.setToolTip(str(exc))  # the device layer's own words
            self.record.setEnabled(False)
            self.meter.setEnabled(False)
        else:
            self.recorder.level.connect(self.meter.setValue)
            self.recorder.stopped.connect(self.on_recorded)
            self.mic_status.setText("Press Record, say the phrase facing the camera, then press Stop.")
            self.mic_status.setToolTip("")
            self.record.setEnabled(True)
            self.meter.setEnabled(True)
        file_camera = session is not None and not session.live
        self.play.setVisible(file_camera)
        self.play.setEnabled(file_camera)
        self.mouth_note.setText(self._mouth_plan(session))
        self.completeChanged.emit()

    def _mouth_plan(self, session: CaptureSession | None) -> str:
        if session is None:
            return "No camera is running, so the mouth check will not be made (the consent record says so)."
        if session.live:
            return ("The camera keeps running while you speak: your mouth must be seen moving while the phrase "
                    "is said. An audio file instead means the mouth check is not made (the consent record says so).")
        return (f"A video file ({session.path.name}) stands in for the camera, so its sound stands in for the "
                "microphone: press Play the video on. The mouth check is made on the video's own picture and sound. "
                "Recording the microphone or choosing an audio file instead means it is not made (the consent "
                "record says so).")

    def cleanupPage(self) -> None:  # noqa: N802
        if self.recorder is not None:
            self.recorder.stop()
        self._stop_camera(cancel=True)

    def _stop_camera(self, cancel: bool = False) -> list | None:
        """Stop the phrase-step camera thread; the observations it made, or None when none ran."""
        thread, self.thread = self.thread, None
        if thread is None:
            return None
        if cancel:
            thread.cancel_token.cancel()
        thread.stop()
        thread.wait(10000)
        return thread.observations

    # -- microphone (with a camera device watching) ------------------------------------------
    @Slot()
    def start_recording(self) -> None:
        if self.recorder is None:
            return
        try:
            self.recorder.start()
        except Exception as exc:  # noqa: BLE001 - PortAudio errors come in many types
            self.message.setText(f"The microphone could not record: {exc}. Choose an audio file instead.")
            return
        session = self._session()
        if session is not None and session.live:
            self._start_camera(session, self.recorder.started_at)
        self.record.setEnabled(False)
        self.play.setEnabled(False)
        self.stop.setEnabled(True)
        self.message.setText("Recording… say the phrase, then press Stop.")

    @Slot()
    def stop_recording(self) -> None:
        if self.recorder is not None and self.recorder.recording:
            self.recorder.stop()
        elif self.thread is not None:
            self.thread.stop()  # a video file playing on: it emits its take when it stops

    @Slot()
    def on_recorded(self) -> None:
        self.record.setEnabled(True)
        self.stop.setEnabled(False)
        self.meter.setValue(0)
        audio = self.recorder.audio() if self.recorder is not None else np.zeros(0, np.float32)
        session = self._session()
        observations = self._stop_camera() if session is not None and session.live else None
        self.play.setEnabled(session is not None and not session.live)
        camera = None if session is None else ("device" if session.live else "file")
        self._accept(live_phrase.microphone_take(audio, observations, camera))

    # -- a video file standing in for camera and microphone ----------------------------------
    @Slot()
    def play_video(self) -> None:
        session = self._session()
        if session is None or session.live:
            return
        self._start_camera(session, None)
        self.play.setEnabled(False)
        self.record.setEnabled(False)
        self.stop.setEnabled(True)
        self.message.setText(f"Playing {session.path.name} on…")

    def _start_camera(self, session: CaptureSession, audio_started: float | None) -> None:
        self.thread = PhraseCaptureThread(session, audio_started, pace=self._pace(), parent=self)
        self.thread.frame_ready.connect(self.on_frame)
        if not session.live:
            self.thread.recorded.connect(self.on_played)
            self.thread.failed.connect(self.on_play_failed)
        else:
            self.thread.failed.connect(self.on_camera_failed)
        self.thread.start()

    @Slot(object)
    def on_played(self, take: live_phrase.PhraseTake) -> None:
        self._stop_camera()
        self._after_play()
        self._accept(take)

    @Slot(str)
    def on_play_failed(self, message: str) -> None:
        self._stop_camera()
        self._after_play()
        if message != "cancelled":
            self._set_take(None)
            self.message.setText(message)
            self.completeChanged.emit()

    @Slot(str)
    def on_camera_failed(self, message: str) -> None:
        if message != "cancelled":  # the microphone records on; without the face the mouth check will fail
            self.message.setText(f"The camera stopped ({message}): press Stop, then Back and Start the camera "
                                 "again, or choose an audio file (the mouth check is then not made).")

    def _after_play(self) -> None:
        self.stop.setEnabled(False)
        self.play.setEnabled(True)
        self.record.setEnabled(self.recorder is not None)

    @Slot(object, object, object)
    def on_frame(self, rgb: np.ndarray, guide: Guide | None, _status: object) -> None:
        colour = GREEN if guide is None or guide.ok else AMBER
        self.hint.setText(guide.hint if guide is not None else "")
        self.hint.setStyleSheet(f"color: {colour.name()};")
        pixmap = QPixmap.fromImage(paint_guide(rgb, colour))
        self.preview.setPixmap(pixmap.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))

    # -- an audio file (no picture: the mouth check is not made) ---------------------------------
    @Slot()
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The spoken phrase", "",
                                              "Audio (*.wav *.flac *.mp3 *.m4a *.ogg *.opus);;Any file (*)")
        if path:
            self.use_file(path)

    @Slot()
    def _load_typed_file(self) -> None:
        if self.file.text().strip():
            self.use_file(self.file.text().strip())

    def use_file(self, path: str | Path) -> None:
        self.file.setText(str(path))
        try:
            audio = read_audio_file(path)
        except StudioError as exc:
            self._set_take(None)
            self.message.setText(str(exc))
            self.completeChanged.emit()
            return
        if audio is None:
            self._set_take(None)
            self.message.setText(f"{Path(path).name} has no sound: choose a file with the phrase spoken in it")
            self.completeChanged.emit()
            return
        self._accept(live_phrase.audio_file_take(audio, path))

    # -- the take ------------------------------------------------------------------------------
    def _set_take(self, take: live_phrase.PhraseTake | None) -> None:
        self.take = take
        self.audio = take.audio if take is not None else None
        self.audio_source = take.source if take is not None else ""

    def _accept(self, take: live_phrase.PhraseTake) -> None:
        seconds, source = take.seconds, take.source
        source = "the microphone" if source == "microphone" else source
        if seconds < 0.5 or float(np.abs(take.audio).max(initial=0.0)) < 1e-4:
            self._set_take(None)
            self.message.setText(f"The sound from {source} is silent or too short ({seconds:.1f} s): say the "
                                 "phrase out loud and try again.")
        else:
            self._set_take(take)
            mouth = (f"the mouth is checked against {len(take.observations)} camera frames"
                     if take.mouth_checkable else "the mouth check is " + take.mouth_unchecked)
            self.message.setText(f"Got {seconds:.1f} s of sound from {source}; {mouth}. It is checked in the next "
                                 "step.")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.take is not None and self.thread is None

    def nextId(self) -> int:  # noqa: N802
        from sora_studio.ui.cameo.wizard import PAGE_ANALYSIS

        return PAGE_ANALYSIS
