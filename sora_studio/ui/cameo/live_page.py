"""The wizard's live step: pick a camera (or a video file standing in for one), watch yourself with a face
guide, and follow the head-turn challenge as it is checked frame by frame.

The oval is green when one face sits centred and large enough in a lit frame, amber with a hint otherwise.
Capture and landmarks run in a LiveCaptureThread; this page only paints what it reports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, Qt, Slot
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QProgressBar, QPushButton, QVBoxLayout, QWizardPage)

from sora_studio.core.cameo.live_guide import OVAL, ChallengeStatus, Guide, challenge_steps
from sora_studio.ui.cameo.live_capture import LiveCapture, LiveCaptureThread

GREEN = QColor("#2ecc71")
AMBER = QColor("#f0a030")
PREVIEW_SIZE = (480, 360)
CAMERAS = 4  # device indexes offered; OpenCV cannot list cameras portably
FILE_CHOICE = "Video file (instead of a camera)…"


def paint_guide(rgb: np.ndarray, colour: QColor) -> QImage:
    """The frame, mirrored like a mirror (people expect it), with the guide oval drawn on it."""
    mirrored = np.ascontiguousarray(rgb[:, ::-1])
    h, w = mirrored.shape[:2]
    image = QImage(mirrored.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(colour, max(2.0, w / 120)))
    cx, cy, rx, ry = OVAL
    painter.drawEllipse(QRectF((cx - rx) * w, (cy - ry) * h, 2 * rx * w, 2 * ry * h))
    painter.end()
    return image


class LivePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Live capture")
        self.setSubTitle("Mirror view. Keep your face in the oval; follow the steps on the right. "
                         "\"Left\" and \"right\" are your own left and right.")
        self.camera = QComboBox()
        self.camera.addItems([f"Camera {i}" for i in range(CAMERAS)] + [FILE_CHOICE])
        self.camera.currentIndexChanged.connect(self._source_changed)
        self.file = QLineEdit(placeholderText="a recorded video to use as the camera")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self.choose_file)
        self.start = QPushButton("Start")
        self.start.clicked.connect(self.start_capture)
        self.stop = QPushButton("Stop")
        self.stop.clicked.connect(self.stop_capture)
        self.stop.setEnabled(False)
        picker = QHBoxLayout()
        for widget in (QLabel("Camera"), self.camera, self.file, self.browse, self.start, self.stop):
            picker.addWidget(widget)
        self.preview = QLabel("press Start")
        self.preview.setFixedSize(*PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #111; color: #aaa;")
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        font = QFont(self.hint.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.hint.setFont(font)
        self.instruction = QLabel("")
        self.instruction.setFont(font)
        self.instruction.setWordWrap(True)
        self.steps = QListWidget()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {AMBER.name()};")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        note = QLabel("The steps are a consent and deterrence check (a live person, following a random order), not "
                      "certified anti-spoofing. The frames are checked again as a whole before anything is stored.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #999;")
        side = QVBoxLayout()
        for widget in (QLabel("Now:"), self.instruction, self.steps, self.progress, self.warning):
            side.addWidget(widget)
        body = QHBoxLayout()
        view = QVBoxLayout()
        view.addWidget(self.preview)
        view.addWidget(self.hint)
        body.addLayout(view)
        body.addLayout(side, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(picker)
        layout.addLayout(body)
        layout.addWidget(self.message)
        layout.addWidget(note)
        self.thread: LiveCaptureThread | None = None
        self.capture: LiveCapture | None = None
        self.last_guide: Guide | None = None
        self.last_status: ChallengeStatus | None = None
        self.guide_colour: QColor | None = None
        self.pace = True  # play a video file at its own speed (tests turn this off)
        self._source_changed()

    # -- set-up ----------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802
        self.reset()

    def cleanupPage(self) -> None:  # noqa: N802
        self.abandon()

    def reset(self) -> None:
        self.abandon()
        self.capture = self.last_guide = self.last_status = None
        person = self._kind() == "person"
        self._show_steps(challenge_steps(self._challenges()) if person else ["record the pet or object"], 0)
        self.instruction.setText("press Start")
        self.hint.clear()
        self.warning.clear()
        self.message.clear()
        self.progress.setValue(0)
        self.completeChanged.emit()

    def _kind(self) -> str:
        wizard = self.wizard()
        return wizard.consent_page.kind.currentText() if wizard is not None else "person"

    def _challenges(self) -> list[str]:
        wizard = self.wizard()
        return list(wizard.challenge_page.challenges) if wizard is not None else []

    @Slot()
    def _source_changed(self) -> None:
        use_file = self.camera.currentText() == FILE_CHOICE
        self.file.setVisible(use_file)
        self.browse.setVisible(use_file)

    @Slot()
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Video to use as the camera", "",
                                              "Video (*.mp4 *.mov *.mkv *.webm *.avi)")
        if path:
            self.use_file(path)

    def use_file(self, path: str | Path) -> None:
        self.camera.setCurrentText(FILE_CHOICE)
        self.file.setText(str(path))

    def source(self) -> int | str | None:
        if self.camera.currentText() == FILE_CHOICE:
            return self.file.text().strip() or None
        return self.camera.currentIndex()

    # -- capture ---------------------------------------------------------------------------
    @Slot()
    def start_capture(self) -> None:
        source = self.source()
        if source is None:
            self.message.setText("Choose a video file first (Browse…).")
            return
        self.reset()
        self.message.setText("Starting the camera…" if isinstance(source, int) else "Playing the video…")
        self.thread = LiveCaptureThread(source, self._challenges(), self._kind(), pace=self.pace, parent=self)
        self.thread.frame_ready.connect(self.on_frame)
        self.thread.captured.connect(self.on_captured)
        self.thread.failed.connect(self.on_failed)
        self.start.setEnabled(False)
        self.stop.setEnabled(True)
        self.thread.start()

    @Slot()
    def stop_capture(self) -> None:
        if self.thread is not None:
            self.thread.stop()

    def abandon(self) -> None:
        """Stop a running capture, close the camera and keep nothing new (Back, Cancel, a new Start)."""
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel_token.cancel()
            self.thread.wait(10000)
        self.thread = None
        if self.capture is not None:
            self.capture.close()  # the camera the phrase step would have read on
        self.start.setEnabled(True)
        self.stop.setEnabled(False)

    @Slot(object, object, object)
    def on_frame(self, rgb: np.ndarray, guide: Guide | None, status: ChallengeStatus | None) -> None:
        self.message.clear()
        self.last_guide, self.last_status = guide, status
        self.guide_colour = GREEN if guide is None or guide.ok else AMBER
        self.hint.setText(guide.hint if guide is not None else "keep the pet or object in view")
        self.hint.setStyleSheet(f"color: {self.guide_colour.name()};")
        pixmap = QPixmap.fromImage(paint_guide(rgb, self.guide_colour))
        self.preview.setPixmap(pixmap.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        if status is not None:
            self._show_steps(status.steps, status.done)
            self.instruction.setText(status.instruction)
            self.progress.setValue(int(round(status.fraction * 100)))
            self.warning.setText(status.warning)

    def _show_steps(self, steps: list[str], done: int) -> None:
        if self.steps.count() != len(steps):
            self.steps.clear()
            self.steps.addItems(steps)
        for i in range(self.steps.count()):
            item: QListWidgetItem = self.steps.item(i)
            mark = "✓ " if i < done else ("→ " if i == done else "   ")
            item.setText(mark + steps[i])
            font = item.font()
            font.setBold(i == done)
            item.setFont(font)

    @Slot(object)
    def on_captured(self, capture: LiveCapture) -> None:
        self.capture = capture
        self.start.setEnabled(True)
        self.stop.setEnabled(False)
        self.start.setText("Record again")
        status = self.last_status
        text = f"Recorded {capture.seconds:.1f} s."
        if status is not None and not status.complete:
            text += " Not every step was seen: the check will probably fail. Record again, or go on to see why."
        elif status is not None:
            person = self._kind() == "person"
            text += " Every step was seen. Next: the spoken phrase, facing the camera (it keeps running)." if person else ""
        self.message.setText(text)
        self.completeChanged.emit()

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self.start.setEnabled(True)
        self.stop.setEnabled(False)
        if message == "cancelled":
            return
        if isinstance(self.thread.source if self.thread else None, int):
            self.message.setText(f"The camera could not be used: {message}. You can choose a video file "
                                 "instead (the list's last entry).")
            self.camera.setCurrentText(FILE_CHOICE)
        else:
            self.message.setText(f"Could not use the video: {message}")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.capture is not None and len(self.capture.frames) > 0

    def nextId(self) -> int:  # noqa: N802
        from sora_studio.ui.cameo.wizard import PAGE_ANALYSIS, PAGE_PHRASE

        return PAGE_PHRASE if self._kind() == "person" else PAGE_ANALYSIS
