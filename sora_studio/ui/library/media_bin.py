"""The media bin: the project's imported files as a list or a thumbnail grid.

Import with the button, File > Import Media (Ctrl+I) or by dropping files from the desktop. Drag items
onto the timeline to place them. Media whose file is gone is shown in red; right-click > Relink… to
point it at the file's new place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.errors import StudioError
from sora_studio.ui.icons import icon_for
from sora_studio.ui.timeline.drop import MEDIA_MIME

MEDIA_FILTER = "Media (*.mp4 *.mov *.m4v *.mkv *.webm *.avi *.mxf *.wav *.m4a *.mp3 *.flac *.ogg *.aac *.png *.jpg *.jpeg *.webp *.tif *.tiff);;All files (*)"


class _MediaList(QListWidget):
    """A list whose drags carry media ids, and which accepts file drops from the desktop."""

    def __init__(self, bin_: MediaBin) -> None:
        super().__init__()
        self._bin = bin_
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QListWidget.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MEDIA_MIME, "text/uri-list"]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # noqa: N802
        data = QMimeData()
        data.setData(MEDIA_MIME, "\n".join(i.data(Qt.ItemDataRole.UserRole) for i in items).encode())
        return data

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self._bin.import_files(paths)
        else:
            event.ignore()


class MediaBin(QWidget):
    def __init__(self, session, previews) -> None:
        super().__init__()
        self.session = session
        self.previews = previews
        self.ensure_project: Callable[[], bool] = lambda: session.project is not None
        self.last_errors: list[str] = []
        self.list = _MediaList(self)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemDoubleClicked.connect(self._on_double_click)
        import_button = QToolButton()
        import_button.setIcon(icon_for("import"))
        import_button.setText("Import…")
        import_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        import_button.setToolTip("Import media files (Ctrl+I); you can also drop files here")
        import_button.clicked.connect(self.import_dialog)
        self.grid_button = QToolButton()
        self.grid_button.setText("Grid")
        self.grid_button.setCheckable(True)
        self.grid_button.setChecked(True)
        self.grid_button.setToolTip("Show thumbnails as a grid (off: a list)")
        self.grid_button.toggled.connect(self.set_grid)
        row = QHBoxLayout()
        row.addWidget(import_button)
        row.addStretch(1)
        row.addWidget(self.grid_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        self.set_grid(True)
        session.project_changed.connect(self.sync)
        previews.ready.connect(self._on_preview)
        self.sync()

    # -- display -------------------------------------------------------------------------------
    @Slot(bool)
    def set_grid(self, grid: bool) -> None:
        if grid:
            self.list.setViewMode(QListView.ViewMode.IconMode)
            self.list.setIconSize(QSize(128, 72))
            self.list.setGridSize(QSize(150, 104))
            self.list.setResizeMode(QListView.ResizeMode.Adjust)
            self.list.setWordWrap(True)
        else:
            self.list.setViewMode(QListView.ViewMode.ListMode)
            self.list.setIconSize(QSize(48, 27))
            self.list.setGridSize(QSize())
        self.list.setMovement(QListView.Movement.Static)  # (this also switches drops off: switch them back on)
        self.list.setDragEnabled(True)
        self.list.setAcceptDrops(True)
        self.list.viewport().setAcceptDrops(True)
        self.list.setDragDropMode(QListWidget.DragDropMode.DragDrop)

    def media_items(self) -> list:
        return list(getattr(self.session.project, "media", []) or [])

    @Slot()
    def sync(self) -> None:
        self.list.clear()
        for media in self.media_items():
            path = self.session.resolve(media.url)
            missing = bool(media.missing) or not path.exists()
            name = media.name or Path(media.url).name
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, media.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, str(path))
            duration = media.info.get("duration_s") if isinstance(media.info, dict) else None
            tip = f"{name}\n{media.kind}" + (f", {float(duration):.2f} s" if duration else "") + f"\n{path}"
            if missing:
                item.setForeground(QBrush(QColor("#ff6b5b")))
                item.setText(f"{name}\n(missing)")
                tip += "\nMISSING: right-click > Relink… to find it"
                item.setIcon(self._placeholder(QColor("#5c1f1a")))
            else:
                item.setIcon(self._icon_for(media, path))
            item.setToolTip(tip)
            self.list.addItem(item)

    def _icon_for(self, media, path: Path) -> QIcon:
        if media.kind == "audio":
            return self._placeholder(QColor("#1f4d3a"), "♪")
        strip = self.previews.thumbnails(path)
        if strip is None or not strip.images:
            return self._placeholder(QColor("#23324a"))
        return QIcon(QPixmap.fromImage(strip.images[min(len(strip.images) - 1, len(strip.images) // 3)]))

    def _placeholder(self, colour: QColor, text: str = "") -> QIcon:
        pixmap = QPixmap(128, 72)
        pixmap.fill(colour)
        if text:
            painter = QPainter(pixmap)
            painter.setPen(QColor("#c8f0dc"))
            font = QFont(painter.font())
            font.setPointSize(26)
            painter.setFont(font)
            painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
            painter.end()
        return QIcon(pixmap)

    @Slot(str)
    def _on_preview(self, path: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole + 1) == path:
                media = self._media(item.data(Qt.ItemDataRole.UserRole))
                if media is not None and not media.missing:
                    item.setIcon(self._icon_for(media, Path(path)))

    def _media(self, media_id: str):
        return next((m for m in self.media_items() if m.id == media_id), None)

    # -- import / relink ------------------------------------------------------------------------
    @Slot()
    def import_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import Media", str(Path.home()), MEDIA_FILTER)
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, paths: list[Path]) -> list:
        """Import files into the project; bad files are reported (what and why) and the rest still import."""
        if not self.ensure_project():
            return []
        imported, errors = [], []
        for path in paths:
            try:
                imported.append(self.session.project.import_media(path))
            except (StudioError, OSError) as exc:
                errors.append(f"{Path(path).name}: {exc}")
        self.last_errors = errors
        self.sync()
        if imported:
            self.session.notify_media_changed()
        if errors:
            box = QMessageBox(QMessageBox.Icon.Warning, "Import Media",
                              "Some files were not imported:\n\n" + "\n".join(errors)
                              + "\n\nCheck that the files play in another player, or re-export them as MP4/WAV.",
                              QMessageBox.StandardButton.Ok, self)
            box.open()
        return imported

    def relink(self, media_id: str, new_path: Path) -> bool:
        try:
            self.session.project.relink(media_id, new_path)
        except (StudioError, OSError) as exc:
            QMessageBox(QMessageBox.Icon.Warning, "Relink", f"Could not relink: {exc}",
                        QMessageBox.StandardButton.Ok, self).open()
            return False
        self.previews.forget()
        self.sync()
        self.session.notify_media_changed()
        return True

    @Slot(QListWidgetItem)
    def _on_double_click(self, item: QListWidgetItem) -> None:
        media = self._media(item.data(Qt.ItemDataRole.UserRole))
        if media is not None and (media.missing or not self.session.resolve(media.url).exists()):
            self._relink_dialog(media)

    def _relink_dialog(self, media) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Relink {media.name or media.url}", str(Path.home()), MEDIA_FILTER)
        if path:
            self.relink(media.id, Path(path))

    @Slot("QPoint")
    def _context_menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        menu = QMenu(self)
        menu.addAction("Import…", self.import_dialog)
        if item is not None:
            media = self._media(item.data(Qt.ItemDataRole.UserRole))
            if media is not None:
                menu.addAction("Relink…", lambda m=media: self._relink_dialog(m))
        menu.exec(self.list.mapToGlobal(pos))
