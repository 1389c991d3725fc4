"""The storyboard's global settings: aspect, resolution, frame rate, style, model and image model.

Models offered: text-to-video models (installed real ones, then the tiny ones that make noise), and for
"Image model" (settings.continue_model: runs 'continue' cuts and shots with a first/last image) every model
that can start from an image. Edits leave as `edited(dict)`; the panel makes them undoable.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QSizePolicy, QSpinBox, QWidget

from sora_studio.core.models.manifest import load_manifests
from sora_studio.core.storyboard.model import ASPECTS, StoryboardSettings
from sora_studio.core.storyboard.styles import load_styles
from sora_studio.errors import StudioError

ERROR_STYLE = "color: #ff6b5b;"


def _installed_ids() -> set[str]:
    try:
        from sora_studio.core.models.registry import ModelRegistry

        registry = ModelRegistry()
        return {m for m in load_manifests() if registry.get(m) is not None}
    except StudioError:
        return set()


def model_options(capability: str) -> list[tuple[str, str]]:
    """(id, label) of models with `capability`: installed real ones first, then tiny ones (labelled)."""
    installed = _installed_ids()
    real, tiny = [], []
    for manifest in load_manifests().values():
        if capability not in manifest.capabilities or manifest.rules.audio_only:
            continue
        if manifest.tiny:
            tiny.append((manifest.id, f"{manifest.id} (tiny test model: noise)"))
        elif manifest.id in installed:
            real.append((manifest.id, manifest.name))
    return real + sorted(tiny)


def _default_model() -> str:
    try:
        from sora_studio.core.models.install import default_model_id

        return default_model_id("t2v")
    except StudioError:
        return "none"


class SettingsForm(QWidget):
    edited = Signal(dict)  # {setting: new value}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filling = False
        self.aspect = QComboBox()
        self.aspect.addItems(list(ASPECTS))
        self.resolution = QSpinBox(minimum=16, maximum=2160, singleStep=16, suffix=" p")
        self.resolution.setToolTip("The short side in pixels; the model rounds sizes to its multiple")
        self.fps = QSpinBox(minimum=0, maximum=120, suffix=" fps")
        self.fps.setSpecialValueText("model's rate")
        self.style = QComboBox()
        self.style.addItem("(none)", None)
        for name in sorted(load_styles()):
            self.style.addItem(name, name)
        self.model = QComboBox()
        self.model.addItem(f"best installed (now {_default_model()})", None)
        for model_id, label in model_options("t2v"):
            self.model.addItem(label, model_id)
        self.image_model = QComboBox()
        self.image_model.addItem("by rule (same family)", None)
        for model_id, label in model_options("i2v"):
            self.image_model.addItem(label, model_id)
        self.image_model.setToolTip("Runs 'continue' cuts and shots that start from an image; a model with "
                                    "first+last frame support allows a last image")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error.hide()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        cells = (("Aspect", self.aspect), ("Size", self.resolution), ("Rate", self.fps), ("Style", self.style))
        for i, (text, widget) in enumerate(cells):
            widget.setMinimumWidth(60)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            grid.addWidget(QLabel(text), i // 2, (i % 2) * 2)
            grid.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        grid.addWidget(QLabel("Model"), 2, 0)
        grid.addWidget(self.model, 2, 1, 1, 3)
        grid.addWidget(QLabel("Image model"), 3, 0)
        grid.addWidget(self.image_model, 3, 1, 1, 3)
        grid.addWidget(self.error, 4, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        for combo in (self.aspect, self.style, self.model, self.image_model):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        self._connect()

    def _connect(self) -> None:
        def send(name: str, value: Any) -> None:
            if not self.filling:
                self.edited.emit({name: value})

        self.aspect.currentTextChanged.connect(lambda v: send("aspect", v))
        self.resolution.valueChanged.connect(lambda v: send("resolution", int(v)))
        self.fps.valueChanged.connect(lambda v: send("fps", int(v) or None))
        self.style.currentIndexChanged.connect(lambda i: send("style", self.style.itemData(i)))
        self.model.currentIndexChanged.connect(lambda i: send("model", self.model.itemData(i)))
        self.image_model.currentIndexChanged.connect(
            lambda i: send("continue_model", self.image_model.itemData(i)))

    def fill(self, settings: StoryboardSettings) -> None:
        self.filling = True
        try:
            self.aspect.setCurrentText(settings.aspect)
            self.resolution.setValue(int(settings.resolution))
            self.fps.setValue(int(settings.fps or 0))
            for combo, value in ((self.style, settings.style), (self.model, settings.model),
                                 (self.image_model, settings.continue_model)):
                index = combo.findData(value)
                if index < 0 and value:  # a model not installed (yet) or a style file removed: keep showing it
                    combo.addItem(f"{value} (not available)", value)
                    index = combo.count() - 1
                combo.setCurrentIndex(max(0, index))
        finally:
            self.filling = False

    def show_problems(self, problems: dict[str, str]) -> None:
        text = "\n".join(problems.values())
        self.error.setText(text)
        self.error.setVisible(bool(text))
