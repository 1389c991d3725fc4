"""The wizard's spoken-phrase step: record the random phrase from the microphone (level meter, Stop), or,
where there is no microphone, choose an audio file of it instead.

Recording uses sounddevice's InputStream (mono 16 kHz 16-bit, the format every input offers; converted to
the float samples `phrase.check_phrase` reads); its callback runs on PortAudio's thread and only appends
samples and posts a level, the page paints it. The phrase is
checked later, with the face frames, in the analysis step.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QVBoxLayout,
                               QWizardPage)

from sora_studio.core.cameo.capture import AUDIO_RATE, MicrophoneSource, read_audio_file
from sora_studio.errors import StudioError

MAX_RECORD_SECONDS = 15.0


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
        self._limit = QTimer(self)
        self._limit.setSingleShot(True)
        self._limit.timeout.connect(self.stop)

    def start(self) -> None:
        self._chunks = []
        self._stream = self._sd.InputStream(samplerate=AUDIO_RATE, channels=1, dtype="int16",
                                            device=self._device, callback=self._on_block)
        self._stream.start()
        self._limit.start(int(MAX_RECORD_SECONDS * 1000))

    def _on_block(self, data, frames, time_info, status) -> None:  # PortAudio's thread
        block = data[:, 0].astype(np.float32) / 32768.0
        with self._lock:
            self._chunks.append(block)
        self.level.emit(level_percent(block))

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
        self.record = QPushButton("Record")
        self.record.clicked.connect(self.start_recording)
        self.stop = QPushButton("Stop")
        self.stop.clicked.connect(self.stop_recording)
        self.stop.setEnabled(False)
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setFormat("level")
        mic_row = QHBoxLayout()
        for widget in (self.record, self.stop, self.meter):
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
        layout = QVBoxLayout(self)
        for item in (self.phrase_label, self.mic_status, mic_row, file_row, self.message):
            (layout.addLayout if isinstance(item, QHBoxLayout) else layout.addWidget)(item)
        layout.addStretch(1)
        self.recorder: MicrophoneRecorder | None = None
        self.audio: np.ndarray | None = None
        self.audio_source = ""

    def initializePage(self) -> None:  # noqa: N802
        phrase = self.wizard().challenge_page.phrase
        self.phrase_label.setText(f'Say, clearly: "{phrase}"')
        self.audio, self.audio_source = None, ""
        self.message.clear()
        try:
            self.recorder = MicrophoneRecorder(parent=self)
        except StudioError as exc:
            self.recorder = None
            self.mic_status.setText("No microphone found on this machine, so recording is off. Choose an audio "
                                    "file of you saying the phrase instead (Choose audio file…).")
            self.mic_status.setToolTip(str(exc))  # the device layer's own words
            self.record.setEnabled(False)
            self.meter.setEnabled(False)
        else:
            self.recorder.level.connect(self.meter.setValue)
            self.recorder.stopped.connect(self.on_recorded)
            self.mic_status.setText("Press Record, say the phrase, then press Stop.")
            self.mic_status.setToolTip("")
            self.record.setEnabled(True)
            self.meter.setEnabled(True)
        self.completeChanged.emit()

    def cleanupPage(self) -> None:  # noqa: N802
        if self.recorder is not None:
            self.recorder.stop()

    @Slot()
    def start_recording(self) -> None:
        if self.recorder is None:
            return
        try:
            self.recorder.start()
        except Exception as exc:  # noqa: BLE001 - PortAudio errors come in many types
            self.message.setText(f"The microphone could not record: {exc}. Choose an audio file instead.")
            return
        self.record.setEnabled(False)
        self.stop.setEnabled(True)
        self.message.setText("Recording… say the phrase, then press Stop.")

    @Slot()
    def stop_recording(self) -> None:
        if self.recorder is not None:
            self.recorder.stop()

    @Slot()
    def on_recorded(self) -> None:
        self.record.setEnabled(True)
        self.stop.setEnabled(False)
        self.meter.setValue(0)
        audio = self.recorder.audio() if self.recorder is not None else np.zeros(0, np.float32)
        self._accept(audio, "microphone")

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
            self.audio = None
            self.message.setText(str(exc))
            self.completeChanged.emit()
            return
        if audio is None:
            self.audio = None
            self.message.setText(f"{Path(path).name} has no sound: choose a file with the phrase spoken in it")
            self.completeChanged.emit()
            return
        self._accept(audio, Path(path).name)

    def _accept(self, audio: np.ndarray, source: str) -> None:
        seconds = len(audio) / AUDIO_RATE
        if seconds < 0.5 or float(np.abs(audio).max(initial=0.0)) < 1e-4:
            self.audio = None
            self.message.setText(f"The sound from the {source} is silent or too short ({seconds:.1f} s): try again.")
        else:
            self.audio, self.audio_source = audio, source
            self.message.setText(f"Got {seconds:.1f} s of sound from the {source}. It is checked in the next step.")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.audio is not None

    def nextId(self) -> int:  # noqa: N802
        from sora_studio.ui.cameo.wizard import PAGE_ANALYSIS

        return PAGE_ANALYSIS
