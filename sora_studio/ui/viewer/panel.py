"""The viewer dock: the frame, a transport bar (to start, step, play/pause, step, to end, in/out) and a
scrub bar with timecode. `start_compare` swaps the frame for the A/B take compare mode (compare_panel.py)
until it is left. Keyboard transport (Space, J/K/L, Left/Right, I/O) is wired by the main window
as window-wide shortcuts so it works whichever panel has focus.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from sora_studio.core.time import timecode
from sora_studio.ui.icons import icon_for
from sora_studio.ui.session import EditorSession
from sora_studio.ui.viewer.compare_panel import ComparePanel
from sora_studio.ui.viewer.frame_view import FrameView
from sora_studio.ui.viewer.playback import PlaybackController


class ViewerPanel(QWidget):
    def __init__(self, session: EditorSession) -> None:
        super().__init__()
        self.session = session
        self.playback = PlaybackController(session, self)
        self.frame_view = FrameView()
        self.frame_view.resized.connect(self.playback.set_view_size)
        self.playback.frame_shown.connect(self._on_frame)
        self.playback.playing_changed.connect(self._on_playing)
        self.compare = ComparePanel(session)
        self.compare.closed.connect(self._on_compare_closed)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.frame_view)
        self.stack.addWidget(self.compare)

        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setObjectName("scrubBar")
        self.scrub.setToolTip("Scrub: drag to move the playhead")
        self.scrub.valueChanged.connect(self._on_scrub)
        self.timecode_label = QLabel()
        self.timecode_label.setObjectName("timecode")
        self.duration_label = QLabel()
        self.duration_label.setObjectName("panelHint")
        self.marks_label = QLabel()
        self.marks_label.setObjectName("panelHint")

        bar = QHBoxLayout()
        bar.setSpacing(4)
        bar.addWidget(self.timecode_label)
        self.buttons: dict[str, QToolButton] = {}
        for name, tip, slot in (
            ("to-start", "Go to start (Home)", self.go_to_start),
            ("step-back", "Previous frame (Left)", self.step_back),
            ("play", "Play / pause (Space)", self.playback.toggle),
            ("step-forward", "Next frame (Right)", self.step_forward),
            ("to-end", "Go to end (End)", self.go_to_end),
            ("mark-in", "Mark in (I)", self.mark_in),
            ("mark-out", "Mark out (O)", self.mark_out),
        ):
            button = QToolButton()
            button.setIcon(icon_for(name))
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            if name == "mark-in":
                bar.addSpacing(12)
            bar.addWidget(button)
            self.buttons[name] = button
        bar.addWidget(self.marks_label)
        bar.addStretch(1)
        bar.addWidget(self.duration_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.scrub)
        layout.addLayout(bar)

        session.playhead_changed.connect(self._on_playhead)
        session.timeline_changed.connect(self._on_timeline)
        session.project_changed.connect(self._on_timeline)
        session.marks_changed.connect(self._on_marks)
        self._on_timeline()
        self._on_playhead(session.playhead)
        self._on_marks()

    # -- transport -------------------------------------------------------------------------
    @Slot()
    def step_back(self) -> None:
        self.playback.pause()
        self.session.set_playhead(self.session.playhead - 1)

    @Slot()
    def step_forward(self) -> None:
        self.playback.pause()
        self.session.set_playhead(min(self._last_frame(), self.session.playhead + 1))

    @Slot()
    def go_to_start(self) -> None:
        self.playback.pause()
        self.session.set_playhead(0)

    @Slot()
    def go_to_end(self) -> None:
        self.playback.pause()
        self.session.set_playhead(self._last_frame())

    @Slot()
    def mark_in(self) -> None:
        self.session.set_mark_in(self.session.playhead)

    @Slot()
    def mark_out(self) -> None:
        self.session.set_mark_out(self.session.playhead + 1)  # out is exclusive: the frame on screen is kept

    # -- A/B compare of takes ----------------------------------------------------------------------
    @Slot(str, str)
    def start_compare(self, clip_id: str, b_key: str = "") -> bool:
        """Compare the clip's active take with take `b_key` (default: its first other take)."""
        if not self.compare.start(clip_id, b_key or None):
            self.session.edit_failed.emit(self.compare.status)
            return False
        self.stack.setCurrentWidget(self.compare)
        return True

    @Slot()
    def toggle_compare(self) -> None:
        """Shortcut: leave compare mode, or compare the selected clip's takes."""
        if self.compare.active:
            self.compare.stop()
            return
        selected = self.session.selected_clips()
        if len(selected) != 1:
            self.session.edit_failed.emit("Select one clip to compare its takes.")
            return
        self.start_compare(selected[0][1].id)

    @Slot()
    def _on_compare_closed(self) -> None:
        self.stack.setCurrentWidget(self.frame_view)

    def _last_frame(self) -> int:
        return max(0, self.session.timeline.duration - 1)

    # -- sync ------------------------------------------------------------------------------
    @Slot(int, QImage)
    def _on_frame(self, index: int, image: QImage) -> None:
        self.frame_view.show_frame(index, image)

    @Slot(bool)
    def _on_playing(self, playing: bool) -> None:
        self.buttons["play"].setIcon(icon_for("pause" if playing else "play"))

    @Slot(int)
    def _on_playhead(self, frame: int) -> None:
        self.timecode_label.setText(timecode(frame, self.session.timeline.rate))
        self.scrub.blockSignals(True)
        self.scrub.setValue(frame)
        self.scrub.blockSignals(False)

    @Slot(int)
    def _on_scrub(self, value: int) -> None:
        self.session.set_playhead(value)

    @Slot()
    def _on_timeline(self) -> None:
        duration = self.session.timeline.duration
        self.scrub.setRange(0, max(0, duration - 1))
        self.duration_label.setText(f"Duration {timecode(duration, self.session.timeline.rate)}")

    @Slot()
    def _on_marks(self) -> None:
        s, rate = self.session, self.session.timeline.rate
        parts = []
        if s.mark_in is not None:
            parts.append(f"In {timecode(s.mark_in, rate)}")
        if s.mark_out is not None:
            parts.append(f"Out {timecode(s.mark_out, rate)}")
        self.marks_label.setText("   ".join(parts))

    def shutdown(self) -> None:
        self.compare.shutdown()
        self.playback.shutdown()
