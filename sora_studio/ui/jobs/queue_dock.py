"""The Queue dock: a view of the JobQueue (SQLite, survives restarts) plus the live state of running jobs.

Rows are re-read from the queue whenever it changes; progress and preview updates touch only their row.
A timer cycles each row's latest preview frames as a small animation.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget

from sora_studio.core.generation.queue import Job
from sora_studio.errors import StudioError
from sora_studio.ui.jobs.controller import GenerationController
from sora_studio.ui.jobs.job_row import JobRow

ANIMATION_MS = 125  # 8 preview frames per second


class QueueDock(QWidget):
    def __init__(self, controller: GenerationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.rows: dict[str, JobRow] = {}
        self._jobs: dict[str, Job] = {}
        self.pause_button = QToolButton()
        self.pause_button.setObjectName("queuePause")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Paused: the running job finishes, queued jobs wait until you resume")
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.summary = QLabel()
        self.summary.setObjectName("queueSummary")
        clear = QToolButton()
        clear.setText("Clear finished")
        clear.setToolTip("Remove done, failed and cancelled jobs from the list (their clips stay in the media bin)")
        clear.clicked.connect(controller.clear_finished)
        header = QHBoxLayout()
        header.addWidget(self.pause_button)
        header.addWidget(self.summary, 1)
        header.addWidget(clear)

        self.empty = QLabel("No generation jobs yet. Write a prompt in the Generate panel and press Generate "
                            "(Ctrl+Enter).")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #8d9097; padding: 12px;")
        self.container = QWidget()
        self.list_layout = QVBoxLayout(self.container)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(4)
        self.list_layout.addWidget(self.empty)
        self.list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.container)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(scroll, 1)

        controller.jobs_changed.connect(self.sync)
        controller.job_updated.connect(self._on_job_updated)
        session = controller.session
        if hasattr(session, "project_changed"):
            session.project_changed.connect(self.sync)
        self.timer = QTimer(self)
        self.timer.setInterval(ANIMATION_MS)
        self.timer.timeout.connect(self._animate)
        self.timer.start()
        self.sync()

    @Slot()
    def sync(self) -> None:
        """Re-read the queue: add/remove/reorder rows and refresh every row."""
        if self.controller.closed:  # an update queued before shutdown arrives after it: nothing to show
            return
        jobs = self.controller.jobs()
        self._jobs = {job.id: job for job in jobs}
        for job_id in [j for j in self.rows if j not in self._jobs]:
            row = self.rows.pop(job_id)
            self.list_layout.removeWidget(row)
            row.deleteLater()
        for row in self.rows.values():
            self.list_layout.removeWidget(row)
        for index, job in enumerate(jobs):
            row = self.rows.get(job.id)
            if row is None:
                row = self.rows[job.id] = JobRow(self.controller, job.id, self.container)
            self.list_layout.insertWidget(index, row)
        self.empty.setVisible(not jobs)
        paused = self.controller.paused
        with_signals_blocked(self.pause_button, paused)
        self.pause_button.setText("Resume queue" if paused else "Pause queue")
        self._refresh_all()

    def _refresh_all(self) -> None:
        queued = [j.id for j in self._jobs.values() if j.state == "queued"]
        paused = self.controller.paused
        has_project = getattr(self.controller.session, "project", None) is not None
        for job_id, row in self.rows.items():
            job = self._jobs[job_id]
            index = queued.index(job_id) if job_id in queued else -1
            row.refresh(job, self.controller.live_state(job_id), index, len(queued), paused, has_project)
        counts = {state: sum(1 for j in self._jobs.values() if j.state == state)
                  for state in ("running", "queued", "done", "failed", "cancelled")}
        parts = [f"{n} {state}" for state, n in counts.items() if n]
        text = " · ".join(parts) if parts else "empty"
        if paused:
            text = "Paused — " + text
        self.summary.setText(text)

    @Slot(str)
    def _on_job_updated(self, job_id: str) -> None:
        if self.controller.closed:
            return
        row = self.rows.get(job_id)
        try:
            job = self.controller.queue.get(job_id)  # one indexed SQLite read: the state may have moved on
        except StudioError:
            job = None
        if row is None or job is None:
            self.sync()
            return
        self._jobs[job_id] = job
        queued = [j.id for j in self._jobs.values() if j.state == "queued"]
        index = queued.index(job_id) if job_id in queued else -1
        row.refresh(job, self.controller.live_state(job_id), index, len(queued), self.controller.paused,
                    getattr(self.controller.session, "project", None) is not None)

    @Slot(bool)
    def _on_pause_toggled(self, paused: bool) -> None:
        self.controller.set_paused(paused)

    @Slot()
    def _animate(self) -> None:
        for job_id, row in self.rows.items():
            if row.state == "running":
                row.advance(self.controller.live_state(job_id))


def with_signals_blocked(button: QToolButton, checked: bool) -> None:
    blocked = button.blockSignals(True)
    button.setChecked(checked)
    button.blockSignals(blocked)
