"""Export Video dialog: pick a preset and a file, watch progress, cancel at any time.

render_timeline runs in a QThread on a copy of the timeline (editing may go on meanwhile) with a
CancelToken; progress comes back through a signal to a @Slot. The file appears only when the export is
complete: a cancelled or failed export leaves nothing at the target path.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThread, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.cancel import CancelToken
from sora_studio.errors import Cancelled
from sora_studio.ui.viewer.playback import clone_timeline


class ExportThread(QThread):
    progress = Signal(int, int)
    finished_ok = Signal(object)  # ExportResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, timeline, resolve, out_path: Path, preset: str) -> None:
        super().__init__()
        self.timeline = clone_timeline(timeline)
        self.resolve = resolve
        self.out_path = out_path
        self.preset = preset
        self.token = CancelToken()

    def run(self) -> None:
        from sora_studio.core.export.render import render_timeline

        try:
            result = render_timeline(self.timeline, self.resolve, self.out_path, self.preset,
                                     progress=self._progress, cancel=self.token)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - shown to the user with what to do
            self.failed.emit(str(exc))
        else:
            self.finished_ok.emit(result)

    def _progress(self, done: int, total: int) -> None:
        self.token.raise_if_cancelled()
        self.progress.emit(done, total)


class ExportDialog(QDialog):
    def __init__(self, session, parent: QWidget | None = None, default_dir: Path | None = None, tasks=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Video")
        self.setMinimumWidth(520)
        self.session = session
        self.tasks = tasks
        self._task_key: str | None = None
        self.thread: ExportThread | None = None
        self.result = None
        self.error_message = ""

        self.preset_box = QComboBox()
        try:
            from sora_studio.core.export.presets import load_presets

            for name, preset in load_presets().items():
                self.preset_box.addItem(f"{preset.label}  ({preset.width}x{preset.height}, {preset.fps} fps)", name)
        except Exception as exc:  # noqa: BLE001
            self.preset_box.addItem(f"presets unavailable: {exc}", "")
        default = self.preset_box.findData(f"1080p{round(float(session.timeline.rate))}-standard")
        if default >= 0:
            self.preset_box.setCurrentIndex(default)
        self.path_edit = QLineEdit(str((default_dir or Path.home()) / f"{session.name}.mp4"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Preset", self.preset_box)
        form.addRow("File", path_row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status = QLabel("Exports carry a visible watermark and Content Credentials when the timeline holds "
                             "generated clips.")
        self.status.setWordWrap(True)
        self.start_button = QPushButton("Export")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    @Slot()
    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Video", self.path_edit.text(), "MP4 video (*.mp4)")
        if path:
            self.path_edit.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    @Slot()
    def start(self) -> None:
        if self.running:
            return
        out = Path(self.path_edit.text()).expanduser()
        if self.session.timeline.duration <= 0:
            self._fail("The timeline is empty. Add clips to the timeline, then export again.")
            return
        if out.exists():
            answer = QMessageBox.question(self, "Replace file?", f"{out.name} exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.thread = ExportThread(self.session.timeline, self.session.resolve, out, self.preset_box.currentData())
        self.thread.progress.connect(self._on_progress)
        self.thread.finished_ok.connect(self._on_done)
        self.thread.failed.connect(self._on_failed)
        self.thread.cancelled.connect(self._on_cancelled)
        self.start_button.setEnabled(False)
        self.status.setText(f"Exporting to {out} …")
        if self.tasks is not None:
            self._task_key = self.tasks.begin("Exporting video")
        self.thread.start()

    @Slot()
    def cancel(self) -> None:
        if self.running and self.thread is not None:
            self.thread.token.cancel()
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def reject(self) -> None:
        if self.running:
            self.cancel()  # closing the dialog while exporting cancels the export first
            return
        super().reject()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(int(100 * done / max(1, total)))
        if self.tasks is not None and self._task_key:
            self.tasks.update(self._task_key, f"Exporting video {100 * done // max(1, total)}%")

    def _finish_task(self) -> None:
        if self.thread is not None:
            self.thread.wait()
        if self.tasks is not None and self._task_key:
            self.tasks.end(self._task_key)
            self._task_key = None
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(True)

    @Slot(object)
    def _on_done(self, result) -> None:
        self._finish_task()
        self.result = result
        self.progress.setValue(100)
        text = f"Exported {result.path} ({result.frames} frames, {result.speed:.1f}x real time)."
        if result.warnings:
            shown = result.warnings[:6]
            more = f"\n… and {len(result.warnings) - len(shown)} more" if len(result.warnings) > len(shown) else ""
            text += "\n\nCheck these places in the film:\n" + "\n".join(f"• {w}" for w in shown) + more
        self.status.setText(text)
        self.cancel_button.setText("Close")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._finish_task()
        self._fail(f"The export failed: {message}\n\nNothing was written. Check the message above "
                   "(missing media can be relinked from the Media panel), then export again.")

    @Slot()
    def _on_cancelled(self) -> None:
        self._finish_task()
        self.progress.setValue(0)
        self.status.setText("Export cancelled; no file was written.")

    def _fail(self, message: str) -> None:
        self.error_message = message
        self.status.setText(message.split("\n")[0])
        box = QMessageBox(QMessageBox.Icon.Warning, "Export Video", message, QMessageBox.StandardButton.Ok, self)
        box.open()  # non-blocking: tests and the event loop keep running
