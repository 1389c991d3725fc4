"""Runs the enrollment analysis off the GUI thread, with progress and cancel.

The QThread only calls the Qt-free core (`enroll.analyse_recording` / `analyse_live`); results travel back
through signals that the wizard connects to @Slot methods of GUI-thread objects.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThread, Signal

from sora_studio.core.cameo import enroll
from sora_studio.core.cancel import CancelToken
from sora_studio.errors import Cancelled, StudioError


class AnalysisThread(QThread):
    progressed = Signal(float, str)
    succeeded = Signal(object)  # enroll.EnrollmentResult
    failed = Signal(str)

    def __init__(self, *, video: Path | None, camera: int | None, audio: Path | None, kind: str,
                 challenges: list[str], phrase: str | None, parent=None) -> None:
        super().__init__(parent)
        self._args = dict(kind=kind, challenges=challenges, phrase=phrase)
        self._video, self._camera, self._audio = video, camera, audio
        self.cancel_token = CancelToken()

    def run(self) -> None:  # worker thread
        try:
            if self._video is not None:
                result = enroll.analyse_recording(self._video, audio=self._audio, progress=self._progress,
                                                  cancel=self.cancel_token, **self._args)
            else:
                result = enroll.analyse_live(self._camera or 0, progress=self._progress, cancel=self.cancel_token,
                                             **self._args)
        except Cancelled:
            self.failed.emit("cancelled")
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of killing the thread silently
            self.failed.emit(f"analysis failed unexpectedly: {exc}")
        else:
            self.succeeded.emit(result)

    def _progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(fraction, message)
