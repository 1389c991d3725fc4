"""A first/last frame image field: small thumbnail, file name, Choose… and Clear, and an inline error.

The picker checks what it can see (the file exists and Qt can read it as an image) and says so under the
field; whether a model can use it is the panel's business (`set_blocked` disables choosing, with why).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

THUMB = QSize(72, 44)
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"
ERROR_STYLE = "color: #ff6b5b;"


def image_problem(path: str) -> str:
    """'' when `path` is a readable image, else what is wrong with it (for the inline error)."""
    file = Path(path)
    if not file.is_file():
        return f"File not found: {path}. Choose the image again or clear the field."
    reader = QImageReader(str(file))
    if not reader.canRead():
        return f"{file.name} is not a readable image (PNG, JPEG, WebP…)."
    return ""


class ImagePicker(QWidget):
    chosen = Signal(object)  # str (absolute path) or None (cleared)

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what  # "first frame" / "last frame": used in tooltips and the dialog title
        self.path: str | None = None
        self.ask = self._ask_with_dialog  # replaced in tests (no dialogs offscreen)
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("background: #141517; border: 1px solid #3a3d44; color: #6b6e75;")
        self.name = QLabel()
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setToolTip(f"Pick the image this shot's {what} should be")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip(f"Remove the {what} image")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.thumb)
        row.addWidget(self.name, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self._blocked = ""
        self._shown: tuple | None = None  # (path, mtime, size) of the thumbnail on screen
        self.choose_button.clicked.connect(self.choose)
        self.clear_button.clicked.connect(self.clear)
        self.set_path(None)

    # -- view ------------------------------------------------------------------------------
    def set_path(self, path: str | None) -> None:
        """Show `path` (thumbnail, name) and, when it cannot be used, the inline error."""
        self.path = path or None
        self.clear_button.setEnabled(self.path is not None)
        if self.path is None:
            self._shown = None
            self.thumb.setPixmap(QPixmap())
            self.thumb.setText("none")
            self.name.setText("")
            self.name.setToolTip("")
            self.show_error("")
            return
        self.name.setText(Path(self.path).name)
        self.name.setToolTip(self.path)
        try:
            stat = Path(self.path).stat()
            shown = (self.path, stat.st_mtime_ns, stat.st_size)
        except OSError:
            shown = None
        if shown is not None and shown == self._shown:  # refilled while typing elsewhere: nothing to reload
            self.show_error("")
            return
        problem = image_problem(self.path)
        self._shown = shown if not problem else None
        self.thumb.setPixmap(QPixmap() if problem else self._thumbnail(self.path))
        self.thumb.setText("missing" if problem else "")
        self.show_error(problem)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def set_blocked(self, reason: str) -> None:
        """Disable choosing (reason in the tooltip, '' to allow); a set image can still be cleared."""
        self._blocked = reason
        self.choose_button.setEnabled(not reason)
        self.choose_button.setToolTip(reason or f"Pick the image this shot's {self.what} should be")
        self.thumb.setToolTip(reason)
        self.name.setEnabled(not reason)

    def thumbnail_missing(self) -> bool:
        pixmap = self.thumb.pixmap()
        return pixmap is None or pixmap.isNull()

    @property
    def blocked_reason(self) -> str:
        return self._blocked

    @staticmethod
    def _thumbnail(path: str) -> QPixmap:
        reader = QImageReader(path)
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid():
            reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        return QPixmap.fromImage(image) if not image.isNull() else QPixmap()

    # -- actions ---------------------------------------------------------------------------
    def _ask_with_dialog(self) -> str:
        start = str(Path(self.path).parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self, f"Choose the {self.what} image", start, IMAGE_FILTER)
        return path

    @Slot()
    def choose(self) -> None:
        if self._blocked:
            return
        path = self.ask()
        if not path:
            return
        problem = image_problem(path)
        if problem:
            self.show_error(problem)  # the shot keeps its image; the error says why this one was not taken
            return
        self.chosen.emit(str(Path(path).resolve()))

    @Slot()
    def clear(self) -> None:
        if self.path is not None:
            self.chosen.emit(None)
