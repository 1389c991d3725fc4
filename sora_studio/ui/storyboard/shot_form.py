"""The selected shot card's fields: every Shot value, each with an inline error line for the problems the core
reports about that key (ShotProblem.key). Edits leave as `edited(field, value)`; the panel makes them undoable.
"""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QSizePolicy, QSpinBox, QWidget)

from sora_studio.core.storyboard.model import CAMERA_MOVES, SHOT_SIZES, VARIATION_COUNTS, Shot
from sora_studio.core.storyboard.styles import load_styles
from sora_studio.ui.storyboard.dialogue_editor import DialogueEditor
from sora_studio.ui.storyboard.image_picker import ImagePicker

ERROR_STYLE = "color: #ff6b5b;"
DIM_STYLE = "color: #8d9097;"
INVALID_STYLE = "border: 1px solid #ff6b5b;"
TRANSITION_LABELS = {"cut": "Cut (a fresh start)", "continue": "Continue the previous shot's last frame"}
PERSON_NOTE = ("Images of real people must match an enrolled cameo who consented; others are refused "
               "when the shot is generated.")


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.hide()
    return label


class ShotForm(QWidget):
    edited = Signal(str, object)  # (Shot field, new value)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filling = False
        self.title = QLineEdit(placeholderText="Optional name shown on the card and the clip")
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("What happens in this shot? Mention cameos as @name.")
        self.prompt.setFixedHeight(64)
        self.prompt.setTabChangesFocus(True)
        self.cameos = QLabel()
        self.cameos.setStyleSheet(DIM_STYLE)
        self.cameos.setWordWrap(True)
        self.seconds = QDoubleSpinBox(minimum=0.1, maximum=60.0, singleStep=0.5, decimals=2, suffix=" s")
        self.camera = QComboBox()
        self.camera.addItems(CAMERA_MOVES)
        self.size = QComboBox()
        self.size.addItems(SHOT_SIZES)
        self.style = QComboBox()
        self.style.addItem("(storyboard style)", None)
        for name in sorted(load_styles()):
            self.style.addItem(name, name)
        self.negative = QLineEdit(placeholderText="What to avoid in this shot (added to the storyboard's)")
        self.transition = QComboBox()
        for key, text in TRANSITION_LABELS.items():
            self.transition.addItem(text, key)
        self.seed_lock = QCheckBox("lock")
        self.seed_lock.setToolTip("Locked: every generation of this shot uses this seed (variations add 1, 2…)")
        self.seed = QSpinBox(minimum=-1, maximum=2**31 - 1)
        self.seed.setSpecialValueText("new seed each take")
        self.variations = QComboBox()
        for n in VARIATION_COUNTS:
            self.variations.addItem(f"{n} take{'s' if n > 1 else ''}", n)
        self.dialogue = DialogueEditor()
        self.sound = QLineEdit(placeholderText="Ambience and sound effects, e.g. waves, distant gulls")
        self.image = ImagePicker("first frame")
        self.last_image = ImagePicker("last frame")
        self.person_note = QLabel(PERSON_NOTE)
        self.person_note.setWordWrap(True)
        self.person_note.setStyleSheet(DIM_STYLE)
        self.person_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.errors: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {
            "title": self.title, "prompt": self.prompt, "seconds": self.seconds, "camera": self.camera,
            "size": self.size, "style": self.style, "negative_prompt": self.negative, "transition": self.transition,
            "seed": self.seed, "variations": self.variations, "dialogue": self.dialogue, "sound": self.sound,
            "image": self.image, "last_image": self.last_image}
        for widget in (self.seconds, self.seed, self.camera, self.size, self.style, self.transition, self.variations):
            widget.setMinimumWidth(60)  # the dock may be narrow: fields shrink rather than clip
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            if isinstance(widget, QComboBox):
                widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                widget.setMinimumContentsLength(6)
        self._build()
        self._connect()

    def _build(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)

        def row(label: str, key: str | None, field: Any) -> None:
            form.addRow(label, field)
            if key is not None:
                self.errors[key] = _error_label()
                form.addRow("", self.errors[key])

        row("Title", "title", self.title)
        row("Prompt", "prompt", self.prompt)
        form.addRow("", self.cameos)
        timing = QHBoxLayout()
        timing.addWidget(self.seconds, 1)
        timing.addWidget(QLabel("Takes"))
        timing.addWidget(self.variations, 1)
        row("Duration", None, timing)
        self.errors["variations"] = _error_label()
        form.addRow("", self.errors["variations"])
        self.errors["seconds"] = self.errors["variations"]  # one line under the shared row
        framing = QHBoxLayout()
        framing.addWidget(self.size, 1)
        framing.addWidget(self.camera, 1)
        row("Size / move", None, framing)
        self.errors["size"] = self.errors["camera"] = _error_label()
        form.addRow("", self.errors["size"])
        row("Starts with", "transition", self.transition)
        row("Style", "style", self.style)
        row("Avoid", "negative_prompt", self.negative)
        seed = QHBoxLayout()
        seed.addWidget(self.seed_lock)
        seed.addWidget(self.seed, 1)
        row("Seed", "seed", seed)
        heading = QLabel("Dialogue")
        form.addRow(heading)
        form.addRow(self.dialogue)  # the full width of the dock: lines need the room
        self.errors["dialogue"] = _error_label()
        form.addRow(self.errors["dialogue"])
        row("Sound", "sound", self.sound)
        row("First image", "image", self.image)
        row("Last image", "last_image", self.last_image)
        form.addRow("", self.person_note)

    def _connect(self) -> None:
        def send(name: str, value: Any) -> None:
            if not self.filling:
                self.edited.emit(name, value)

        self.title.textEdited.connect(lambda v: send("title", v))
        self.prompt.textChanged.connect(lambda: send("prompt", self.prompt.toPlainText()))
        self.seconds.valueChanged.connect(lambda v: send("seconds", float(v)))
        self.camera.currentTextChanged.connect(lambda v: send("camera", v))
        self.size.currentTextChanged.connect(lambda v: send("size", v))
        self.style.currentIndexChanged.connect(lambda i: send("style", self.style.itemData(i)))
        self.negative.textEdited.connect(lambda v: send("negative_prompt", v))
        self.transition.currentIndexChanged.connect(lambda i: send("transition", self.transition.itemData(i)))
        self.seed_lock.toggled.connect(self._on_seed_lock)
        self.seed.valueChanged.connect(lambda v: send("seed", int(v) if v >= 0 else None)
                                       if self.seed_lock.isChecked() else None)
        self.variations.currentIndexChanged.connect(lambda i: send("variations", self.variations.itemData(i)))
        self.dialogue.edited.connect(lambda lines: send("dialogue", lines))
        self.sound.textEdited.connect(lambda v: send("sound", v))
        self.image.chosen.connect(lambda p: send("image", p))
        self.last_image.chosen.connect(lambda p: send("last_image", p))

    def _on_seed_lock(self, on: bool) -> None:
        if self.filling:
            return
        if on and self.seed.value() < 0:
            self.filling = True
            self.seed.setValue(random.randint(0, 2**31 - 1))  # a lock keeps a concrete seed
            self.filling = False
        self.seed.setEnabled(on)
        self.edited.emit("seed", self.seed.value() if on else None)

    # -- model -> view ---------------------------------------------------------------------
    def fill(self, shot: Shot | None, speakers: list[str]) -> None:
        """Show `shot` (None: nothing selected, everything disabled)."""
        self.filling = True
        try:
            self.setEnabled(shot is not None)
            if shot is None:
                return
            if self.title.text() != shot.title:
                self.title.setText(shot.title)
            if self.prompt.toPlainText() != shot.prompt:
                self.prompt.setPlainText(shot.prompt)
            mentions = shot.cameos
            self.cameos.setText("Cameos: " + ", ".join(f"@{n}" for n in mentions) if mentions else
                                "No cameos (mention an enrolled person as @name)")
            self.seconds.setValue(float(shot.seconds))
            self.camera.setCurrentText(shot.camera)
            self.size.setCurrentText(shot.size)
            self.style.setCurrentIndex(max(0, self.style.findData(shot.style)) if shot.style else 0)
            if self.negative.text() != shot.negative_prompt:
                self.negative.setText(shot.negative_prompt)
            self.transition.setCurrentIndex(max(0, self.transition.findData(shot.transition)))
            self.seed_lock.setChecked(shot.seed is not None)
            self.seed.setEnabled(shot.seed is not None)
            self.seed.setValue(shot.seed if shot.seed is not None else -1)
            self.variations.setCurrentIndex(max(0, self.variations.findData(shot.variations)))
            self.dialogue.set_lines(shot.dialogue, speakers)
            if self.sound.text() != shot.sound:
                self.sound.setText(shot.sound)
            self.image.set_path(shot.image)
            self.last_image.set_path(shot.last_image)
        finally:
            self.filling = False

    def show_problem(self, key: str | None, message: str) -> None:
        """Show the core's problem under the field it names (and outline that field); None clears all."""
        for name, label in self.errors.items():
            if name not in ("seconds", "camera"):  # shared labels are set through their partner's key
                label.hide()
        for widget in self.inputs.values():
            widget.setStyleSheet("")
        for picker in (self.image, self.last_image):
            picker.set_path(picker.path)  # back to the picker's own check (missing file)
        if key is None:
            return
        label = self.errors.get(key, self.errors["prompt"])
        label.setText(message)
        label.show()
        widget = self.inputs.get(key)
        if isinstance(widget, ImagePicker):
            widget.show_error(message)
            label.hide()  # the picker has its own error line
        elif widget is not None and not isinstance(widget, DialogueEditor):
            widget.setStyleSheet(INVALID_STYLE)

    def problem_text(self, key: str) -> str:
        """The error shown for `key` now ('' when none): what a person reads under that field."""
        widget = self.inputs.get(key)
        label = widget.error if isinstance(widget, ImagePicker) else self.errors[key]
        return "" if label.isHidden() else label.text()
