"""A/B compare mode of the viewer: the selected clip's active take (A) against another of its takes (B).

Both sides show the same source frame of the clip, the one under the playhead (held at the clip's first or
last frame when the playhead is outside it), so they follow scrubbing and playback. Pictures come from a
CompareDecoder thread; this panel only posts requests and paints what arrives. "Make B active" is the
ordinary undoable SetActiveTake edit. After any timeline change (that edit, its undo, a trim) the panel
re-reads the clip: A is always the active take, and when A and B trade places the pictures stay where they
were on screen (the labels follow).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from sora_studio.core.timeline.edits import SetActiveTake
from sora_studio.ui.session import EditorSession
from sora_studio.ui.takes import take_label
from sora_studio.ui.viewer.compare import CompareDecoder, SideRequest, describe_take, source_frame
from sora_studio.ui.viewer.compare_view import SIDE_BY_SIDE, WIPE, CompareCanvas

SWAP_KEY = "X"
LEAVE_KEY = "Esc"


class ComparePanel(QWidget):
    closed = Signal()

    def __init__(self, session: EditorSession) -> None:
        super().__init__()
        self.session = session
        self.clip_id: str | None = None
        self.a_key: str | None = None
        self.b_key: str | None = None
        self.status = ""  # why compare could not start / stopped, for the caller to show
        self._number = 0
        self.ready: set[str] = set()  # sides whose picture (or message) for the latest request has arrived
        self._decoder: CompareDecoder | None = None

        self.canvas = CompareCanvas()
        self.canvas.resized.connect(self._on_resized)
        self.b_box = QComboBox()
        self.b_box.setToolTip("The take compared with the active one (B)")
        self.b_box.activated.connect(self._b_chosen)
        self.buttons: dict[str, QToolButton] = {}
        modes = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        title = QLabel("Compare takes")
        title.setObjectName("panelHint")
        bar.addWidget(title)
        bar.addWidget(QLabel("B:"))
        bar.addWidget(self.b_box, 1)
        for name, text, tip, slot in (
            (WIPE, "Wipe", "Split wipe: drag the divider", lambda: self.set_mode(WIPE)),
            (SIDE_BY_SIDE, "Side by side", "A and B next to each other", lambda: self.set_mode(SIDE_BY_SIDE)),
            ("swap", "Swap", f"Swap the sides ({SWAP_KEY})", self.swap),
            ("activate", "Make B active", "Use take B in the clip (undoable)", self.make_b_active),
            ("close", "Done", f"Leave compare mode ({LEAVE_KEY})", self.stop),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            if name in (WIPE, SIDE_BY_SIDE):
                button.setCheckable(True)
                modes.addButton(button)
            bar.addWidget(button)
            self.buttons[name] = button
        self.buttons[WIPE].setChecked(True)
        for key, slot in ((SWAP_KEY, self.swap), (LEAVE_KEY, self.stop)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # only while this panel is visible
            shortcut.activated.connect(slot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        session.playhead_changed.connect(self._on_playhead)
        session.timeline_changed.connect(self._on_timeline)
        session.project_changed.connect(self._on_project)

    # -- starting and stopping -----------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.clip_id is not None

    def start(self, clip_id: str, b_key: str | None = None) -> bool:
        """Compare the clip's active take with `b_key` (default: the first other take). False (and
        `status` says why) when the clip is gone or has no other take."""
        clip = self._clip(clip_id)
        if clip is None:
            self.status = "Select a clip to compare its takes."
            return False
        others = [k for k in clip.takes if k != clip.active_take]
        if not others:
            self.status = f"Clip {clip.name!r} has only one take: generate a variation or a remix to compare."
            return False
        self.clip_id, self.a_key = clip_id, clip.active_take
        self.b_key = b_key if b_key in others else others[0]
        self.canvas.swapped = False
        self.status = ""
        if self._decoder is None:
            self._decoder = CompareDecoder()
            self._decoder.frame_ready.connect(self._on_frame)
            self._decoder.start()
        self._refresh()
        return True

    @Slot()
    def stop(self) -> None:
        if self.clip_id is None:
            return
        self.clip_id = self.a_key = self.b_key = None
        self.closed.emit()

    def shutdown(self) -> None:
        if self._decoder is not None and self._decoder.isRunning():
            self._decoder.stop_thread()

    # -- actions -------------------------------------------------------------------------------
    @Slot()
    def swap(self) -> None:
        if self.active:
            self.canvas.swapped = not self.canvas.swapped
            self.canvas.update()

    def set_mode(self, mode: str) -> None:
        self.canvas.set_mode(mode)
        self.buttons[mode].setChecked(True)
        self._request()  # side by side wants pictures half as wide

    @Slot()
    def make_b_active(self) -> None:
        if self.active and self.b_key is not None:
            self.session.do(SetActiveTake(self.clip_id, self.b_key))

    @Slot(int)
    def _b_chosen(self, index: int) -> None:
        key = self.b_box.itemData(index)
        if key and key != self.b_key:
            self.b_key = key
            self._refresh()

    # -- model -> view -------------------------------------------------------------------------
    def _clip(self, clip_id: str | None):
        for _track, clip in self.session.timeline.clips():
            if clip.id == clip_id:
                return clip
        return None

    @Slot()
    def _on_timeline(self) -> None:
        if not self.active:
            return
        clip = self._clip(self.clip_id)
        if clip is None or len(clip.takes) < 2:
            self.status = "The compared clip is gone or has a single take now."
            self.stop()
            return
        old_a, old_b = self.a_key, self.b_key
        a = clip.active_take
        b = old_b if old_b in clip.takes and old_b != a else (old_a if old_a in clip.takes and old_a != a else None)
        b = b or next(k for k in clip.takes if k != a)
        if (a, b) == (old_b, old_a):
            self.canvas.swapped = not self.canvas.swapped  # A and B traded: keep each picture where it was
        self.a_key, self.b_key = a, b
        self._refresh()

    @Slot()
    def _on_project(self) -> None:
        self.stop()

    @Slot(int)
    def _on_playhead(self, _frame: int) -> None:
        if self.active:
            self._request()

    @Slot(QSize)
    def _on_resized(self, _size: QSize) -> None:
        if self.active:
            self._request()

    def _refresh(self) -> None:
        """Labels and the B picker from the model, then new pictures."""
        clip = self._clip(self.clip_id)
        if clip is None:
            return
        self.b_box.clear()
        for key, take in clip.takes.items():
            if key != self.a_key:
                self.b_box.addItem(take_label(key, take), key)
        self.b_box.setCurrentIndex(max(0, self.b_box.findData(self.b_key)))
        self.canvas.set_label("A", describe_take(self.a_key, clip.takes[self.a_key]))
        self.canvas.set_label("B", describe_take(self.b_key, clip.takes[self.b_key]))
        self._request()

    def _side(self, side: str, key: str, clip, seconds: float, box: tuple[int, int], period: float) -> SideRequest:
        take = clip.takes[key]
        path: str | None = None
        missing = "Media missing"
        if take.missing:
            missing = f"Media missing: {Path(take.url).name}\nRelink it in the media bin."
        else:
            try:
                path = str(self.session.resolve(take.url))
            except Exception as exc:  # noqa: BLE001 - e.g. a url escaping the project: shown on that side
                missing = f"Media missing: {exc}"
        return SideRequest(side, path, seconds, box, missing, period)

    def _request(self) -> None:
        clip = self._clip(self.clip_id)
        if clip is None or self._decoder is None:
            return
        rate: Fraction = self.session.timeline.rate
        playhead = self.session.playhead
        frame = source_frame(clip, playhead)
        seconds = float(Fraction(frame) / rate)
        outside = not clip.start <= playhead < clip.end
        self.canvas.note = f"Playhead outside {clip.name!r}: showing its nearest frame" if outside else ""
        box = self.canvas.box_size()
        size = (max(2, box.width()), max(2, box.height()))
        period = float(1 / rate)
        self._number += 1
        self.ready = set()
        self._decoder.request(self._number, (self._side("A", self.a_key, clip, seconds, size, period),
                                             self._side("B", self.b_key, clip, seconds, size, period)))

    @Slot(int, str, QImage, str)
    def _on_frame(self, number: int, side: str, image: QImage, message: str) -> None:
        if number != self._number or not self.active:
            return  # an answer to a request that has since been replaced
        self.canvas.set_picture(side, image, message)
        self.ready.add(side)
