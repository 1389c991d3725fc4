"""Track headers left of the timeline: name, kind, and mute / solo / lock toggles (each an undoable edit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from sora_studio.core.timeline.edits import SetTrackFlag
from sora_studio.ui import theme
from sora_studio.ui.timeline import commands
from sora_studio.ui.timeline.layout import HEADER_WIDTH

if TYPE_CHECKING:
    from sora_studio.core.timeline.model import Track
    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.timeline.layout import TimelineLayout
    from sora_studio.ui.timeline.view import TimelineView

FLAG_BUTTONS = (("muted", "M", "Mute this track"), ("solo", "S", "Solo: play only soloed tracks"),
                ("locked", "L", "Lock: refuse edits on this track"))
_COLOURS = {"muted": "#d9822b", "solo": "#d4b106", "locked": "#c0392b"}


class TrackHeader(QFrame):
    def __init__(self, session: EditorSession, track: Track, height: int) -> None:
        super().__init__()
        self.session = session
        self.track_id = track.id
        self.setFixedSize(HEADER_WIDTH, height)
        accent = "#3a5f9a" if track.kind == "video" else "#2f7a5a"
        self.setStyleSheet(
            f"TrackHeader {{ background: #23252a; border-bottom: 1px solid #15161a; border-left: 4px solid {accent}; }}"
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 6, 4)
        outer.setSpacing(2)
        self.name_label = QLabel(track.name)
        self.name_label.setStyleSheet("background: transparent; font-weight: bold;")
        outer.addWidget(self.name_label)
        row = QHBoxLayout()
        row.setSpacing(3)
        self.buttons: dict[str, QToolButton] = {}
        for flag, text, tip in FLAG_BUTTONS:
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setFixedSize(24, 20)
            button.setObjectName(f"{flag}Button")
            button.setStyleSheet(f"QToolButton {{ padding: 0px; font-weight: bold; }} "
                                 f"QToolButton:checked {{ background: {_COLOURS[flag]}; color: #111; }}")
            button.clicked.connect(self._on_clicked)
            self.buttons[flag] = button
            row.addWidget(button)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.refresh(track)

    def refresh(self, track: Track) -> None:
        self.name_label.setText(f"{track.name}  ·  {track.kind}")
        for flag, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(bool(getattr(track, flag)))
            button.blockSignals(False)

    def build_menu(self) -> QMenu:
        menu = QMenu(self)
        s = self.session
        menu.addAction("Add Video Track", lambda: commands.add_track(s, "video"))
        menu.addAction("Add Audio Track", lambda: commands.add_track(s, "audio"))
        menu.addSeparator()
        track = s.timeline.track(self.track_id)
        label = f"Remove Track {track.name}" + (f" and its {len(track.clips)} clips" if track.clips else "")
        menu.addAction(label, lambda: commands.remove_track(s, self.track_id))
        return menu

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        self.build_menu().exec(event.globalPos())

    @Slot(bool)
    def _on_clicked(self, checked: bool) -> None:
        flag = next(f for f, b in self.buttons.items() if b is self.sender())
        self.session.do(SetTrackFlag(self.track_id, flag, checked))
        self.refresh(self.session.timeline.track(self.track_id))


class TrackHeaders(QWidget):
    """A column of TrackHeader rows that scrolls vertically with the timeline view."""

    def __init__(self, session: EditorSession, layout: TimelineLayout, view: TimelineView) -> None:
        super().__init__()
        self.session, self.layout_, self.view = session, layout, view
        self.setFixedWidth(HEADER_WIDTH)
        self.headers: dict[str, TrackHeader] = {}
        self._shape: list[tuple[str, int]] = []
        session.timeline_changed.connect(self.sync)
        view.verticalScrollBar().valueChanged.connect(self._reposition)
        self.sync()

    @Slot()
    def sync(self) -> None:
        shape = [(r.track.id, r.height) for r in self.layout_.rows]
        if shape != self._shape:
            for header in self.headers.values():
                header.hide()  # at once: deleteLater waits for the event loop, and stale rows would show
                header.deleteLater()
            self.headers = {}
            for row in self.layout_.rows:
                header = TrackHeader(self.session, row.track, row.height)
                header.setParent(self)
                header.show()
                self.headers[row.track.id] = header
            self._shape = shape
        for row in self.layout_.rows:
            self.headers[row.track.id].refresh(row.track)
        self._reposition()

    @Slot()
    @Slot(int)
    def _reposition(self, *_: object) -> None:
        offset = self.view.verticalScrollBar().value()
        for row in self.layout_.rows:
            header = self.headers.get(row.track.id)
            if header is not None:
                header.move(0, row.top - offset)

    def header(self, track_id: str) -> TrackHeader:
        return self.headers[track_id]

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), theme.PANEL)
        painter.end()
