"""Inspector: properties of the selected clip (name, times, source range, takes, gain, enabled) and of its
track (name, flags, gain). Every change is an undoable core edit; the widgets re-read the model after
each timeline change, so they never hold values the model doesn't.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.time import timecode
from sora_studio.core.timeline.edits import (
    RenameClip,
    SetActiveTake,
    SetClipEnabled,
    SetClipGain,
    SetTrackFlag,
    SetTrackProperty,
)
from sora_studio.ui.session import EditorSession
from sora_studio.ui.takes import take_label, take_recipe_summary


class Inspector(QWidget):
    compare_requested = Signal(str, str)  # clip id, take key to compare with the active take (viewer)

    def __init__(self, session: EditorSession) -> None:
        super().__init__()
        self.session = session
        self._syncing = False
        self._gesture = session.begin_gesture()

        self.hint = QLabel("Select a clip on the timeline to see its properties.")
        self.hint.setObjectName("panelHint")
        self.hint.setWordWrap(True)

        self.clip_box = QGroupBox("Clip")
        form = QFormLayout(self.clip_box)
        self.name_edit = QLineEdit()
        self.name_edit.editingFinished.connect(self._rename)
        self.start_label, self.end_label, self.duration_label = QLabel(), QLabel(), QLabel()
        self.source_label = QLabel()
        self.take_box = QComboBox()
        self.take_box.activated.connect(self._take_chosen)
        self.compare_button = QToolButton()
        self.compare_button.setText("Compare…")
        self.compare_button.setToolTip("Compare a take with the active one in the viewer (Shift+C)")
        self.compare_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.compare_button.setMenu(QMenu(self.compare_button))
        self.compare_button.clicked.connect(lambda: self.request_compare(None))
        take_row = QHBoxLayout()
        take_row.setContentsMargins(0, 0, 0, 0)
        take_row.addWidget(self.take_box, 1)
        take_row.addWidget(self.compare_button)
        self.gain_spin = QDoubleSpinBox()
        self.gain_spin.setRange(-60.0, 24.0)
        self.gain_spin.setSingleStep(0.5)
        self.gain_spin.setSuffix(" dB")
        self.gain_spin.valueChanged.connect(self._gain_changed)
        self.gain_spin.editingFinished.connect(self._new_gesture)
        self.enabled_check = QCheckBox("Enabled (rendered)")
        self.enabled_check.clicked.connect(self._enabled_clicked)
        form.addRow("Name", self.name_edit)
        form.addRow("Start", self.start_label)
        form.addRow("End", self.end_label)
        form.addRow("Duration", self.duration_label)
        form.addRow("Source", self.source_label)
        form.addRow("Active take", take_row)
        form.addRow("Gain", self.gain_spin)
        form.addRow("", self.enabled_check)

        self.track_box = QGroupBox("Track")
        tform = QFormLayout(self.track_box)
        self.track_name = QLineEdit()
        self.track_name.editingFinished.connect(self._rename_track)
        self.track_kind = QLabel()
        self.track_flags: dict[str, QCheckBox] = {}
        for flag, text in (("muted", "Muted"), ("solo", "Solo"), ("locked", "Locked"), ("enabled", "Enabled")):
            box = QCheckBox(text)
            box.clicked.connect(self._flag_clicked)
            self.track_flags[flag] = box
        self.track_gain = QDoubleSpinBox()
        self.track_gain.setRange(-60.0, 24.0)
        self.track_gain.setSingleStep(0.5)
        self.track_gain.setSuffix(" dB")
        self.track_gain.valueChanged.connect(self._track_gain_changed)
        self.track_gain.editingFinished.connect(self._new_gesture)
        tform.addRow("Name", self.track_name)
        tform.addRow("Kind", self.track_kind)
        for box in self.track_flags.values():
            tform.addRow("", box)
        tform.addRow("Gain", self.track_gain)

        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.clip_box)
        layout.addWidget(self.track_box)
        layout.addStretch(1)
        session.selection_changed.connect(self.sync)
        session.timeline_changed.connect(self.sync)
        session.project_changed.connect(self.sync)
        self.sync()

    # -- model -> widgets ------------------------------------------------------------------------
    def current(self):
        """(track, clip) when exactly one clip is selected, else None."""
        selected = self.session.selected_clips()
        return selected[0] if len(selected) == 1 else None

    @Slot()
    def sync(self) -> None:
        self._syncing = True
        try:
            found = self.current()
            count = len(self.session.selection)
            self.clip_box.setVisible(found is not None)
            self.track_box.setVisible(found is not None)
            if found is None:
                timeline = self.session.timeline
                self.hint.setText(f"{count} clips selected." if count > 1 else
                                  f"Select a clip on the timeline to see its properties.\n\n{timeline.name}: "
                                  f"{len(timeline.tracks)} tracks, {len(timeline.clips())} clips, "
                                  f"{timecode(timeline.duration, timeline.rate)} long.")
                self.hint.setVisible(True)
                return
            self.hint.setVisible(False)
            track, clip = found
            rate = self.session.timeline.rate
            if not self.name_edit.hasFocus():
                self.name_edit.setText(clip.name)
            self.start_label.setText(timecode(clip.start, rate))
            self.end_label.setText(timecode(clip.end, rate))
            self.duration_label.setText(f"{timecode(clip.duration, rate)}  ({clip.duration} frames)")
            length = clip.media_length
            self.source_label.setText(
                f"{timecode(clip.source_in, rate)} – {timecode(clip.source_in + clip.duration, rate)}"
                + (f" of {timecode(length, rate)}" if length is not None else "")
            )
            self.take_box.clear()
            menu = self.compare_button.menu()
            menu.clear()
            for key, take in clip.takes.items():
                self.take_box.addItem(take_label(key, take), key)
                self.take_box.setItemData(self.take_box.count() - 1, take_recipe_summary(take) or None,
                                          Qt.ItemDataRole.ToolTipRole)
                if key != clip.active_take:
                    menu.addAction(f"Compare with active: {take_label(key, take)}",
                                   lambda k=key: self.request_compare(k))
            self.take_box.setCurrentIndex(max(0, self.take_box.findData(clip.active_take)))
            self.take_box.setEnabled(len(clip.takes) > 1)
            self.compare_button.setEnabled(len(clip.takes) > 1)
            self.gain_spin.setValue(clip.gain_db)
            self.enabled_check.setChecked(clip.enabled)
            if not self.track_name.hasFocus():
                self.track_name.setText(track.name)
            self.track_kind.setText(track.kind)
            for flag, box in self.track_flags.items():
                box.setChecked(bool(getattr(track, flag)))
            self.track_gain.setValue(track.gain_db)
        finally:
            self._syncing = False

    # -- widgets -> edits -------------------------------------------------------------------------
    def request_compare(self, key: str | None) -> None:
        """Ask the viewer to compare `key` (default: the first take that is not active) with the active take."""
        found = self.current()
        if found is not None:
            self.compare_requested.emit(found[1].id, key or "")

    @Slot()
    def _new_gesture(self) -> None:
        self._gesture = self.session.begin_gesture()

    @Slot()
    def _rename(self) -> None:
        found = self.current()
        if found and self.name_edit.text() and self.name_edit.text() != found[1].name:
            self.session.do(RenameClip(found[1].id, self.name_edit.text()))

    @Slot(int)
    def _take_chosen(self, index: int) -> None:
        found = self.current()
        key = self.take_box.itemData(index)
        if found and key and key != found[1].active_take:
            self.session.do(SetActiveTake(found[1].id, key))

    @Slot(float)
    def _gain_changed(self, value: float) -> None:
        found = self.current()
        if not self._syncing and found and value != found[1].gain_db:
            self.session.do(SetClipGain([found[1].id], value), gesture=self._gesture)

    @Slot(bool)
    def _enabled_clicked(self, checked: bool) -> None:
        found = self.current()
        if found:
            self.session.do(SetClipEnabled([found[1].id], checked))

    @Slot()
    def _rename_track(self) -> None:
        found = self.current()
        if found and self.track_name.text() and self.track_name.text() != found[0].name:
            self.session.do(SetTrackProperty(found[0].id, "name", self.track_name.text()))

    @Slot(bool)
    def _flag_clicked(self, checked: bool) -> None:
        found = self.current()
        flag = next(f for f, b in self.track_flags.items() if b is self.sender())
        if found:
            self.session.do(SetTrackFlag(found[0].id, flag, checked))
            self.sync()

    @Slot(float)
    def _track_gain_changed(self, value: float) -> None:
        found = self.current()
        if not self._syncing and found and value != found[0].gain_db:
            self.session.do(SetTrackProperty(found[0].id, "gain_db", value), gesture=self._gesture)
