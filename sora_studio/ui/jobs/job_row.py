"""One row of the queue dock: state, prompt, progress (step/steps and ETA), a live preview animation, and the
actions that make sense for the job's state."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from sora_studio.core.generation.queue import Job
from sora_studio.ui.jobs.controller import GenerationController, LiveJob

PREVIEW_W, PREVIEW_H = 112, 63
STATE_COLOURS = {"queued": "#8d9097", "running": "#4a9be8", "done": "#52c41a", "failed": "#ff6b5b",
                 "cancelled": "#d0a040"}


def format_eta(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def describe(job: Job) -> str:
    r = job.request
    size = f"{r.width}×{r.height}" if r.width and r.height else "default size"
    seconds = f"{r.seconds:.2f} s" if r.seconds else "default length"
    return f"{r.model_id} · {size} · {seconds} · seed {r.seed} · {r.steps or 'default'} steps"


class JobRow(QFrame):
    def __init__(self, controller: GenerationController, job_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller, self.job_id = controller, job_id
        self.setObjectName("jobRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.state = "queued"
        self.frame_index = 0
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW_W, PREVIEW_H)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #101114; border: 1px solid #2a2c31; color: #6b6e75;")
        self.badge = QLabel()
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.detail = QLabel()
        self.detail.setStyleSheet("color: #8d9097;")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setMaximumHeight(18)
        self.note = QLabel()
        self.note.setWordWrap(True)
        for label in (self.title, self.detail, self.note):  # long prompts must not widen the dock
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons: dict[str, QToolButton] = {}
        actions = [
            ("cancel", "Cancel", "Stop this job (a running job stops after its current step)", self._cancel),
            ("retry", "Retry", "Run this job again with the same seed", self._retry),
            ("duplicate", "New seed", "Queue a copy of this job with a new random seed", self._duplicate),
            ("import", "Import", "Add the finished clip to the open project's media bin", self._import),
            ("remove", "Remove", "Remove this entry from the queue (the clip stays in the media bin)", self._remove),
            ("up", "▲", "Move up: run earlier", self._up),
            ("down", "▼", "Move down: run later", self._down),
        ]
        button_row = QHBoxLayout()
        button_row.setSpacing(2)
        for name, text, tip, slot in actions:
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName(f"job-{name}")
            button.clicked.connect(slot)
            self.buttons[name] = button
            button_row.addWidget(button)
        button_row.addStretch(1)

        top = QHBoxLayout()
        top.addWidget(self.badge)
        top.addWidget(self.title, 1)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.preview, 0, 0, 3, 1)
        grid.addLayout(top, 0, 1)
        grid.addWidget(self.detail, 1, 1)
        grid.addWidget(self.progress, 2, 1)
        grid.addLayout(button_row, 3, 0, 1, 2)
        grid.addWidget(self.note, 4, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    # display ---------------------------------------------------------------------------------------------
    def refresh(self, job: Job, live: LiveJob, queued_index: int = -1, queued_count: int = 0, paused: bool = False,
                has_project: bool = True) -> None:
        self.state = job.state
        colour = STATE_COLOURS.get(job.state, "#8d9097")
        self.badge.setText(job.state.upper())
        self.badge.setStyleSheet(f"color: {colour}; font-weight: bold; border: 1px solid {colour};"
                                 " border-radius: 3px; padding: 0 4px;")
        prompt = job.request.prompt
        self.title.setText(prompt if len(prompt) <= 70 else prompt[:67] + "…")
        self.title.setToolTip(prompt)
        self.detail.setText(describe(job))
        self._refresh_progress(job, live, paused)
        self._refresh_note(job, live, has_project)
        visible = {
            "cancel": job.state in ("queued", "running"),
            "retry": job.state in ("done", "failed", "cancelled"),
            "duplicate": True,
            "import": job.state == "done" and live.media_id is None and bool(job.result),
            "remove": job.state != "running",
            "up": job.state == "queued",
            "down": job.state == "queued",
        }
        for name, button in self.buttons.items():
            button.setVisible(visible[name])
        self.buttons["up"].setEnabled(queued_index > 0)
        self.buttons["down"].setEnabled(0 <= queued_index < queued_count - 1)
        self.buttons["import"].setEnabled(has_project)
        if not live.frames:
            self.preview.setPixmap(QPixmap())
            self.preview.setText({"queued": "waiting", "running": "starting…"}.get(job.state, "no preview"))
        else:
            self.show_frame(live)

    def _refresh_progress(self, job: Job, live: LiveJob, paused: bool) -> None:
        bar = self.progress
        if job.state == "running" and live.steps:
            bar.setRange(0, live.steps)
            bar.setValue(min(live.step, live.steps))
            eta = f" · {format_eta(live.eta_s)} left" if live.step < live.steps else " · encoding"
            bar.setFormat(f"step {live.step}/{live.steps}{eta}")
        elif job.state == "running":
            bar.setRange(0, 0)  # busy: the worker is starting or loading the model
            bar.setFormat("loading the model…")
        else:
            bar.setRange(0, 1)
            bar.setValue(1 if job.state == "done" else 0)
            text = {"queued": "paused" if paused else "waiting", "done": "done", "failed": "failed",
                    "cancelled": "cancelled"}[job.state]
            if job.state in ("failed", "cancelled") and live.step:
                text += f" at step {live.step}/{live.steps}"
            bar.setFormat(text)

    def _refresh_note(self, job: Job, live: LiveJob, has_project: bool) -> None:
        if job.state in ("failed", "cancelled") and job.error:
            kind = job.error.get("kind", "")
            message = job.error.get("message", "")
            prefix = "Cancelled" if job.state == "cancelled" else f"Failed ({kind})" if kind else "Failed"
            redundant = not message or message.strip().lower() == job.state
            self.note.setText(prefix + "." if redundant else f"{prefix}: {message}")
            self.note.setStyleSheet(f"color: {STATE_COLOURS[job.state]};")
        elif job.state == "done":
            notices = (job.result or {}).get("notices") or []
            noise = (job.result or {}).get("produces_noise")
            parts = [live.note or ("Finished." if has_project else "Finished; open a project, then press Import.")]
            if noise:
                parts.append("Made with a tiny test model: the clip is noise.")
            parts += notices
            self.note.setText("\n".join(p for p in parts if p))
            self.note.setStyleSheet("color: #b8bac0;")
        else:
            self.note.setText("")
        self.note.setVisible(bool(self.note.text()))

    def show_frame(self, live: LiveJob) -> None:
        if not live.frames:
            return
        image = live.frames[self.frame_index % len(live.frames)]
        pixmap = QPixmap.fromImage(image).scaled(PREVIEW_W, PREVIEW_H, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.FastTransformation)
        self.preview.setPixmap(pixmap)

    def advance(self, live: LiveJob) -> None:
        """Next frame of the preview animation (called by the dock's timer)."""
        if live.frames:
            self.frame_index = (self.frame_index + 1) % len(live.frames)
            self.show_frame(live)

    def preview_colour(self) -> QColor:
        """The preview's centre colour (tests check that the image changes)."""
        pixmap = self.preview.pixmap()
        if pixmap is None or pixmap.isNull():
            return QColor()
        image = pixmap.toImage()
        return image.pixelColor(image.width() // 2, image.height() // 2)

    # actions ------------------------------------------------------------------------------------------------
    @Slot()
    def _cancel(self) -> None:
        self.controller.cancel(self.job_id)

    @Slot()
    def _retry(self) -> None:
        self.controller.retry(self.job_id)

    @Slot()
    def _duplicate(self) -> None:
        self.controller.duplicate(self.job_id)

    @Slot()
    def _import(self) -> None:
        self.controller.import_job(self.job_id)

    @Slot()
    def _remove(self) -> None:
        self.controller.remove(self.job_id)

    @Slot()
    def _up(self) -> None:
        self.controller.move(self.job_id, -1)

    @Slot()
    def _down(self) -> None:
        self.controller.move(self.job_id, +1)
