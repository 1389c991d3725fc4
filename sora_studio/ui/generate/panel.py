"""The Generate panel: prompt and settings -> jobs in the queue (Ctrl+Enter), or a new take for the selected clip.

What the engine will make is shown as you type: sizes and frame counts rounded to the model's rules (with a
notice when rounded), and problems inline next to the field with what to do. Tiny test models are labelled
and a banner says plainly that they produce noise.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.ui.generate import form
from sora_studio.ui.jobs.controller import GenerationController

ERROR_STYLE = "color: #ff6b5b;"
NOTICE_STYLE = "color: #f0c050;"
BANNER_STYLE = ("background: #5c3a10; color: #ffd591; border: 1px solid #d48806; border-radius: 4px;"
                " padding: 6px; font-weight: bold;")


class GeneratePanel(QWidget):
    def __init__(self, session, controller: GenerationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.controller = session, controller
        self.attempted = False  # the empty-prompt error waits until the user first presses Generate
        self.choices, registry_problem = form.model_choices()
        self.last_plan: form.Plan | None = None
        self.last_queued: list[str] = []

        self.banner = QLabel(form.TINY_BANNER)
        self.banner.setObjectName("tinyBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.model = QComboBox()
        self.model.setObjectName("modelPicker")
        for choice in self.choices:
            self.model.addItem(choice.label, choice.id)
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(14)
        self.model.setToolTip("Installed models, then the built-in tiny test models (noise only)")
        self.prompt = QPlainTextEdit()
        self.prompt.setObjectName("prompt")
        self.prompt.setPlaceholderText("Describe the shot: subject, action, setting, light, camera…")
        self.prompt.setMinimumHeight(70)
        self.prompt.setMaximumHeight(120)
        self.negative = QPlainTextEdit()
        self.negative.setPlaceholderText("What to avoid (optional): blurry, distorted hands, text…")
        self.negative.setMaximumHeight(48)
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0.0, 60.0)
        self.seconds.setDecimals(2)
        self.seconds.setSingleStep(0.5)
        self.seconds.setSuffix(" s")
        self.frames_label = QLabel()
        self.aspect = QComboBox()
        for name in (*form.ASPECTS, form.CUSTOM):
            self.aspect.addItem(name)
        self.custom_w, self.custom_h = QSpinBox(), QSpinBox()
        for box in (self.custom_w, self.custom_h):
            box.setRange(1, 8192)
            box.setSingleStep(16)
        self.size_label = QLabel()
        self.size_label.setObjectName("sizeLabel")
        self.fps = QSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setSuffix(" fps")
        self.seed = QSpinBox()
        self.seed.setRange(0, form.MAX_SEED)
        self.dice = QToolButton()
        self.dice.setText("New")
        self.dice.setToolTip("Roll a new random seed")
        self.seed_lock = QCheckBox("Lock")
        self.seed_lock.setToolTip("Keep this seed for the next Generate (unlocked: a new seed after each Generate)")
        self.steps = QSpinBox()
        self.steps.setRange(1, 500)
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(0.0, 50.0)
        self.guidance.setSingleStep(0.5)
        self.variations = QComboBox()
        for n in form.VARIATIONS:
            self.variations.addItem(f"{n}", n)
        self.variations.setToolTip("Several clips at once, with seeds seed, seed+1, …")
        self.notices = QLabel()
        self.notices.setObjectName("notices")
        self.notices.setWordWrap(True)
        self.notices.setStyleSheet(NOTICE_STYLE)
        self.errors: dict[str, QLabel] = {}
        for name in ("prompt", "seconds", "size", "fps", "seed", "steps", "guidance", "variations", "model"):
            label = QLabel()
            label.setObjectName(f"error-{name}")
            label.setWordWrap(True)
            label.setStyleSheet(ERROR_STYLE)
            label.hide()
            self.errors[name] = label
        self.status = QLabel()
        self.status.setObjectName("generateStatus")
        self.status.setWordWrap(True)
        self.generate_button = QPushButton("Generate  (Ctrl+Enter)")
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setDefault(True)
        self.take_button = QPushButton("Generate Take for Selected Clip")
        self.take_button.setObjectName("takeButton")
        self.take_button.setToolTip("Select one video clip on the timeline: the result becomes a new take of it")
        self.target_label = QLabel()
        self.target_label.setStyleSheet("color: #8d9097;")
        self.target_label.setWordWrap(True)
        for widget, width in ((self.seed, 70), (self.custom_w, 50), (self.custom_h, 50), (self.model, 100)):
            widget.setMinimumWidth(width)  # the dock may be narrow: fields shrink rather than clip
        self._build_layout()
        if registry_problem:
            self._set_error("model", registry_problem)

        self.model.currentIndexChanged.connect(self._on_model_changed)
        for signal in (self.prompt.textChanged, self.negative.textChanged):
            signal.connect(self.refresh_plan)
        for box in (self.seconds, self.guidance):
            box.valueChanged.connect(self.refresh_plan)
        for box in (self.custom_w, self.custom_h, self.fps, self.seed, self.steps):
            box.valueChanged.connect(self.refresh_plan)
        self.aspect.currentIndexChanged.connect(self._on_aspect_changed)
        self.variations.currentIndexChanged.connect(self.refresh_plan)
        self.dice.clicked.connect(self.roll_seed)
        self.generate_button.clicked.connect(self.generate)
        self.take_button.clicked.connect(self.generate_take)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.generate)
        if hasattr(session, "selection_changed"):
            session.selection_changed.connect(self._on_selection_changed)
            session.timeline_changed.connect(self._on_selection_changed)
        self.roll_seed()
        self._on_model_changed()
        self._on_selection_changed()

    def _build_layout(self) -> None:
        fields = QFormLayout()
        fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        fields.addRow("Model", self.model)
        fields.addRow("", self.errors["model"])
        fields.addRow("Prompt", self.prompt)
        fields.addRow("", self.errors["prompt"])
        fields.addRow("Negative", self.negative)
        duration = QHBoxLayout()
        duration.addWidget(self.seconds)
        duration.addWidget(self.frames_label, 1)
        fields.addRow("Duration", duration)
        fields.addRow("", self.errors["seconds"])
        size = QHBoxLayout()
        size.addWidget(self.aspect)
        size.addWidget(self.size_label, 1)
        fields.addRow("Aspect / size", size)
        self.custom_row = QWidget()
        custom = QHBoxLayout(self.custom_row)
        custom.setContentsMargins(0, 0, 0, 0)
        custom.addWidget(self.custom_w, 1)
        custom.addWidget(QLabel("×"))
        custom.addWidget(self.custom_h, 1)
        self.custom_row.hide()
        fields.addRow("", self.custom_row)
        fields.addRow("", self.errors["size"])
        fields.addRow("Frame rate", self.fps)
        fields.addRow("", self.errors["fps"])
        seed = QHBoxLayout()
        seed.addWidget(self.seed, 1)
        seed.addWidget(self.dice)
        seed.addWidget(self.seed_lock)
        fields.addRow("Seed", seed)
        fields.addRow("", self.errors["seed"])
        fields.addRow("Steps", self.steps)
        fields.addRow("", self.errors["steps"])
        fields.addRow("Guidance", self.guidance)
        fields.addRow("", self.errors["guidance"])
        fields.addRow("Variations", self.variations)
        fields.addRow("", self.errors["variations"])
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(6, 6, 6, 6)
        inner_layout.addWidget(self.banner)
        inner_layout.addLayout(fields)
        inner_layout.addWidget(self.notices)
        inner_layout.addWidget(self.generate_button)
        inner_layout.addWidget(self.take_button)
        inner_layout.addWidget(self.target_label)
        inner_layout.addWidget(self.status)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # fields shrink instead
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # model & form ----------------------------------------------------------------------------------------
    def reload_models(self) -> None:
        """Re-read installed models (one may have been pulled since), keeping the current choice."""
        current = self.model.currentData()
        self.choices, problem = form.model_choices()
        self.model.blockSignals(True)
        self.model.clear()
        for choice in self.choices:
            self.model.addItem(choice.label, choice.id)
        index = self.model.findData(current)
        self.model.setCurrentIndex(max(0, index))
        self.model.blockSignals(False)
        self._set_error("model", problem or "")
        if index < 0:
            self._on_model_changed()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.reload_models()

    def current_choice(self) -> form.ModelChoice | None:
        model_id = self.model.currentData()
        return next((c for c in self.choices if c.id == model_id), None)

    def select_model(self, model_id: str) -> None:
        index = self.model.findData(model_id)
        if index >= 0:
            self.model.setCurrentIndex(index)

    @Slot()
    def _on_model_changed(self, *_: object) -> None:
        """Reset duration/fps/steps/guidance to the model's defaults and say whether it is a test model."""
        choice = self.current_choice()
        if choice is None:
            self.banner.hide()
            self.refresh_plan()
            return
        manifest = choice.manifest
        rules = manifest.rules
        self.banner.setVisible(choice.tiny)
        widgets = (self.seconds, self.fps, self.steps, self.guidance, self.custom_w, self.custom_h)
        for widget in widgets:
            widget.blockSignals(True)
        self.fps.setValue(rules.native_fps)
        self.seconds.setValue(round(min(2.0, rules.max_frames / rules.native_fps), 2))
        self.steps.setValue(manifest.default_steps)
        self.guidance.setValue(manifest.default_guidance)
        self.custom_w.setValue(rules.default_width)
        self.custom_h.setValue(rules.default_height)
        self.custom_w.setSingleStep(rules.size_multiple)
        self.custom_h.setSingleStep(rules.size_multiple)
        for widget in widgets:
            widget.blockSignals(False)
        self.refresh_plan()

    @Slot()
    def _on_aspect_changed(self, *_: object) -> None:
        self.custom_row.setVisible(self.aspect.currentText() == form.CUSTOM)
        self.refresh_plan()

    @Slot()
    def roll_seed(self) -> None:
        self.seed.setValue(self.controller.seeds.randint(0, form.MAX_SEED))

    def values(self) -> form.FormValues:
        return form.FormValues(
            model_id=str(self.model.currentData() or ""), prompt=self.prompt.toPlainText(),
            negative_prompt=self.negative.toPlainText(), seconds=self.seconds.value(), aspect=self.aspect.currentText(),
            width=self.custom_w.value(), height=self.custom_h.value(), fps=self.fps.value(), seed=self.seed.value(),
            steps=self.steps.value(), guidance=self.guidance.value(),
            variations=int(self.variations.currentData() or 1),
        )

    @Slot()
    def refresh_plan(self, *_: object) -> form.Plan | None:
        """Recompute what would be generated; show rounded values, notices and (after a first try) errors."""
        choice = self.current_choice()
        if choice is None:
            self._set_error("model", "No model is available. Run `sora-studio models list` to see what to install.")
            self.last_plan = None
            return None
        result = form.plan(self.values(), choice.manifest)
        self.last_plan = result
        if result.width and result.height:
            self.size_label.setText(f"→ {result.width}×{result.height}")
        self.frames_label.setText(f"= {result.frames} frames" if result.frames else "")
        self.notices.setText("\n".join(f"Rounded: {n}" if "rounded" in n else n for n in result.notices))
        self.notices.setVisible(bool(result.notices))
        for name, label in self.errors.items():
            if name == "model":
                continue
            message = result.errors.get(name, "")
            if name == "prompt" and not self.attempted:
                message = ""
            self._set_error(name, message)
        return result

    def _set_error(self, name: str, message: str) -> None:
        label = self.errors[name]
        label.setText(message)
        label.setVisible(bool(message))

    # generate -----------------------------------------------------------------------------------------------
    @Slot()
    def generate(self) -> list[str]:
        """Queue the jobs the form describes; on a problem, show it next to the field and queue nothing."""
        return self._submit(target_clip_id=None)

    @Slot()
    def generate_take(self) -> list[str]:
        clip = self.target_clip()
        if clip is None:
            self.status.setText("Select one video clip on the timeline first; "
                                "its new take is generated from this form.")
            return []
        return self._submit(target_clip_id=clip.id)

    def _submit(self, target_clip_id: str | None) -> list[str]:
        self.attempted = True
        result = self.refresh_plan()
        if result is None or not result.ok:
            first = next(iter(result.errors)) if result is not None and result.errors else "model"
            focus = {"prompt": self.prompt, "seconds": self.seconds, "size": self.aspect, "fps": self.fps,
                     "seed": self.seed, "steps": self.steps, "guidance": self.guidance}.get(first, self.model)
            focus.setFocus()
            self.status.setText("Not queued: fix the field marked in red.")
            return []
        variations = self.values().variations
        ids = self.controller.submit(result.request, variations, target_clip_id=target_clip_id)
        seeds = ", ".join(str(result.request.seed + n) for n in range(variations))
        what = "job" if len(ids) == 1 else "jobs"
        self.status.setText(f"Queued {len(ids)} {what} (seed {seeds})"
                            + (" as a take for the selected clip." if target_clip_id else "."))
        self.last_queued = ids
        if not self.seed_lock.isChecked():
            self.roll_seed()
        return ids

    # take target -----------------------------------------------------------------------------------------------
    def target_clip(self):
        """The one selected video clip, or None."""
        if not hasattr(self.session, "selected_clips"):
            return None
        clips = [(t, c) for t, c in self.session.selected_clips() if getattr(t, "kind", "video") == "video"]
        return clips[0][1] if len(clips) == 1 else None

    @Slot()
    def _on_selection_changed(self) -> None:
        clip = self.target_clip()
        self.take_button.setEnabled(clip is not None)
        if clip is None:
            self.target_label.setText("Select one video clip on the timeline to generate a new take for it.")
        else:
            seconds = clip.duration / float(self.session.timeline.rate)
            self.target_label.setText(f"Take target: {clip.name!r} ({seconds:.2f} s on the timeline, "
                                      f"{len(clip.takes)} take{'s' if len(clip.takes) != 1 else ''})")
