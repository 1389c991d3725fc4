"""The storyboard dock: shot cards (drag to reorder), the selected shot's fields, Generate shot / all.

The panel edits a core Storyboard (kept in project.metadata["storyboard"]); every change goes through the
Storyboard's methods, which refuse invalid values without changing anything (the status line says why).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from sora_studio.core.storyboard.model import CAMERA_MOVES, SHOT_SIZES, TRANSITIONS, Shot, Storyboard
from sora_studio.core.storyboard.run import STORYBOARD_KEY
from sora_studio.core.storyboard.styles import load_styles
from sora_studio.errors import StudioError
from sora_studio.ui.storyboard.runner import StoryboardRunner

SHOT_ROLE = Qt.ItemDataRole.UserRole


def card_text(index: int, shot: Shot) -> str:
    head = f"{index + 1}. {shot.title or shot.prompt[:48]}"
    tail = f"{shot.seconds:g}s · {shot.size} · {shot.camera}"
    if shot.transition == "continue":
        tail += " · continues"
    if shot.variations > 1:
        tail += f" · {shot.variations} takes"
    return f"{head}\n{tail}"


class StoryboardPanel(QWidget):
    def __init__(self, session: Any, generator_factory: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.storyboard = Storyboard()
        self.runner = StoryboardRunner(session, generator_factory, self)
        self._filling = False

        self.cards = QListWidget()
        self.cards.setObjectName("storyboard-cards")
        self.cards.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.cards.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.cards.model().rowsMoved.connect(self._on_rows_moved)
        self.cards.currentItemChanged.connect(self._on_current_changed)

        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("What happens in this shot? Mention cameos as @name.")
        self.prompt.setMaximumHeight(90)
        self.seconds = QDoubleSpinBox(minimum=0.1, maximum=60.0, singleStep=0.5, decimals=2)
        self.camera = QComboBox()
        self.camera.addItems(CAMERA_MOVES)
        self.size = QComboBox()
        self.size.addItems(SHOT_SIZES)
        self.transition = QComboBox()
        self.transition.addItems(TRANSITIONS)
        self.style = QComboBox()
        self.style.addItems(["(storyboard style)", *sorted(load_styles())])
        self.seed_lock = QCheckBox("lock seed")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.variations = QComboBox()
        self.variations.addItems(["1", "2", "4"])
        form = QFormLayout()
        form.addRow("Prompt", self.prompt)
        form.addRow("Seconds", self.seconds)
        form.addRow("Camera", self.camera)
        form.addRow("Shot size", self.size)
        form.addRow("Starts with", self.transition)
        form.addRow("Style", self.style)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_lock)
        seed_row.addWidget(self.seed)
        form.addRow("Seed", seed_row)
        form.addRow("Variations", self.variations)

        self.add_button = QPushButton("Add shot")
        self.remove_button = QPushButton("Remove")
        self.generate_shot_button = QPushButton("Generate shot")
        self.generate_all_button = QPushButton("Generate all")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.generate_shot_button, self.generate_all_button,
                  self.stop_button):
            buttons.addWidget(b)
        self.status = QLabel()
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.cards, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.add_button.clicked.connect(self.add_shot)
        self.remove_button.clicked.connect(self.remove_shot)
        self.generate_shot_button.clicked.connect(self.generate_current)
        self.generate_all_button.clicked.connect(self.generate_all)
        self.stop_button.clicked.connect(self.runner.stop)
        self.runner.message.connect(self.status.setText)
        self.runner.finished.connect(self._on_run_finished)
        self.prompt.textChanged.connect(lambda: self._set("prompt", self.prompt.toPlainText()))
        self.seconds.valueChanged.connect(lambda v: self._set("seconds", float(v)))
        self.camera.currentTextChanged.connect(lambda v: self._set("camera", v))
        self.size.currentTextChanged.connect(lambda v: self._set("size", v))
        self.transition.currentTextChanged.connect(lambda v: self._set("transition", v))
        self.style.currentIndexChanged.connect(
            lambda i: self._set("style", None if i == 0 else self.style.currentText()))
        self.seed_lock.toggled.connect(lambda on: self._set("seed", self.seed.value() if on else None))
        self.seed.valueChanged.connect(lambda v: self._set("seed", int(v)) if self.seed_lock.isChecked() else None)
        self.variations.currentTextChanged.connect(lambda v: self._set("variations", int(v)))
        session.project_changed.connect(self.load_from_project)
        self.load_from_project()

    # -- model <-> view ----------------------------------------------------------------------
    @Slot()
    def load_from_project(self) -> None:
        project = self.session.project
        data = getattr(project, "metadata", {}).get(STORYBOARD_KEY) if project is not None else None
        self.set_storyboard(Storyboard.from_dict(data) if isinstance(data, dict) else Storyboard())

    def set_storyboard(self, storyboard: Storyboard) -> None:
        self.storyboard = storyboard
        storyboard.changed.connect(self._on_storyboard_changed)
        self._refill()

    def current_shot(self) -> Shot | None:
        item = self.cards.currentItem()
        return self.storyboard.shot(item.data(SHOT_ROLE)) if item is not None else None

    def _refill(self) -> None:
        current = self.cards.currentItem().data(SHOT_ROLE) if self.cards.currentItem() else None
        self._filling = True
        self.cards.clear()
        for i, shot in enumerate(self.storyboard.shots):
            item = QListWidgetItem(card_text(i, shot))
            item.setData(SHOT_ROLE, shot.id)
            self.cards.addItem(item)
            if shot.id == current:
                self.cards.setCurrentItem(item)
        self._filling = False
        if self.cards.currentItem() is None and self.cards.count():
            self.cards.setCurrentRow(0)
        self._fill_form()

    def _fill_form(self) -> None:
        shot = self.current_shot()
        self._filling = True
        try:
            for w in (self.prompt, self.seconds, self.camera, self.size, self.transition, self.style,
                      self.seed_lock, self.seed, self.variations, self.remove_button, self.generate_shot_button):
                w.setEnabled(shot is not None)
            if shot is None:
                return
            if self.prompt.toPlainText() != shot.prompt:
                self.prompt.setPlainText(shot.prompt)
            self.seconds.setValue(float(shot.seconds))
            self.camera.setCurrentText(shot.camera)
            self.size.setCurrentText(shot.size)
            self.transition.setCurrentText(shot.transition)
            self.style.setCurrentIndex(max(0, self.style.findText(shot.style)) if shot.style else 0)
            self.seed_lock.setChecked(shot.seed is not None)
            self.seed.setValue(shot.seed or 0)
            self.variations.setCurrentText(str(shot.variations))
        finally:
            self._filling = False

    def _set(self, field: str, value: Any) -> None:
        shot = self.current_shot()
        if self._filling or shot is None or getattr(shot, field) == value:
            return
        try:
            self.storyboard.update(shot.id, **{field: value})
        except StudioError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText("")

    def _on_storyboard_changed(self, reason: str, *_args: Any) -> None:
        project = self.session.project
        if project is not None:
            project.metadata[STORYBOARD_KEY] = self.storyboard.to_dict()
            project.mark_dirty()
        if reason == "shot":
            row = self.cards.currentRow()
            shot = self.current_shot()
            if shot is not None:
                self.cards.currentItem().setText(card_text(row, shot))
        else:
            self._refill()

    @Slot()
    def _on_current_changed(self, *_args: Any) -> None:
        if not self._filling:
            self._fill_form()

    @Slot()
    def _on_rows_moved(self, *_args: Any) -> None:
        order = [self.cards.item(i).data(SHOT_ROLE) for i in range(self.cards.count())]
        for index, shot_id in enumerate(order):
            if self.storyboard.index(shot_id) != index:
                self.storyboard.move(shot_id, index)

    # -- actions -----------------------------------------------------------------------------
    @Slot()
    def add_shot(self) -> None:
        shot = self.storyboard.add(Shot("describe the shot", seconds=3.0),
                                   index=self.cards.currentRow() + 1 if self.cards.currentItem() else None)
        self.cards.setCurrentRow(self.storyboard.index(shot.id))

    @Slot()
    def remove_shot(self) -> None:
        shot = self.current_shot()
        if shot is not None:
            self.storyboard.remove(shot.id)

    @Slot()
    def generate_current(self) -> None:
        shot = self.current_shot()
        if shot is not None and self.runner.start(self.storyboard, [shot.id]):
            self._set_running(True)

    @Slot()
    def generate_all(self) -> None:
        if self.runner.start(self.storyboard):
            self._set_running(True)

    @Slot(bool)
    def _on_run_finished(self, _ok: bool) -> None:
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)
        self.generate_all_button.setEnabled(not running)
        self.generate_shot_button.setEnabled(not running and self.current_shot() is not None)
