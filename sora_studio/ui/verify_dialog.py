"""Help > Verify a File…: the same check as `sora-studio verify FILE`, run off the GUI thread.

Shows, for any video or image: a one-line verdict, the C2PA validation state with what it means, signer,
actions and ingredients, this studio's invisible trace mark (id and confidence), and the matching record
in this install's ledger with its recipe - and says so plainly when the Content Credentials were stripped
but the trace mark still traces the file. Progress and cancel: decoding up to 10 s of video takes seconds.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtWidgets import (
    QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QTextBrowser, QVBoxLayout,
    QWidget)

from sora_studio.core.cancel import CancelToken
from sora_studio.errors import Cancelled

STATE_COLOURS = {"Trusted": "#2e9d52", "Valid": "#c9a227", "Invalid": "#d04545", "none": "#8a8f98",
                 "unsupported": "#8a8f98", "error": "#d04545"}
RECIPE_FIELDS = (("model_id", "model"), ("models", "models"), ("prompt", "prompt"), ("prompt_sha256", "prompt hash"),
                 ("seed", "seed"), ("num_inference_steps", "steps"), ("guidance_scale", "guidance"),
                 ("width", "width"), ("height", "height"), ("num_frames", "frames"), ("fps", "fps"),
                 ("preset", "preset"), ("contains_generated", "contains generated"), ("cameo_ids", "cameo ids"))


class VerifyThread(QThread):
    """Runs core.provenance.verify.verify_file; reports (stage, fraction) and stops on cancel."""

    progress = Signal(str, float)
    finished_ok = Signal(object)  # the report dict
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.token = CancelToken()

    def run(self) -> None:
        from sora_studio.core.provenance.verify import verify_file

        try:
            report = verify_file(self.path, progress=self.progress.emit, cancel=self.token)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - shown to the user with what to do
            self.failed.emit(str(exc))
        else:
            self.finished_ok.emit(report)


class VerifyDialog(QDialog):
    finished_report = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Verify a File")
        self.resize(760, 640)
        self.thread: VerifyThread | None = None
        self.report: dict[str, Any] | None = None

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("A video or image to check…")
        self.path_edit.returnPressed.connect(self.start)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self.browse)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setDefault(True)
        self.verify_button.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        row.addWidget(self.verify_button)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setVisible(False)
        self.status = QLabel("Checks the file's Content Credentials (C2PA), this studio's invisible trace mark "
                             "and this install's ledger.")
        self.status.setWordWrap(True)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)
        layout.addWidget(self.verdict)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Verify a File", self.path_edit.text(),
                                              "Video and images (*.mp4 *.m4v *.mov *.jpg *.jpeg *.png *.webp);;"
                                              "All files (*)")
        if name:
            self.path_edit.setText(name)
            self.start()

    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def start(self, path: str | Path | None = None) -> None:
        if self.running():
            return
        if path is not None:
            self.path_edit.setText(str(path))
        text = self.path_edit.text().strip()
        if not text:
            self.status.setText("Choose a file to verify first.")
            return
        self.report = None
        self.verdict.clear()
        self.details.clear()
        self.thread = VerifyThread(Path(text))
        self.thread.progress.connect(self._on_progress)
        self.thread.finished_ok.connect(self._on_done)
        self.thread.failed.connect(self._on_failed)
        self.thread.cancelled.connect(self._on_cancelled)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(True)
        self.verify_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Verifying {Path(text).name}…")
        self.thread.start()

    def cancel(self) -> None:
        if self.running():
            assert self.thread is not None
            self.thread.token.cancel()
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def reject(self) -> None:
        if self.running():
            self.cancel()  # closing while verifying stops the worker first
            assert self.thread is not None
            self.thread.wait(5000)
        super().reject()

    def _idle(self) -> None:
        if self.thread is not None:
            self.thread.wait(5000)  # it has emitted its last signal; let run() return before it can be freed
        self.progress_bar.setVisible(False)
        self.verify_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _on_progress(self, stage: str, fraction: float) -> None:
        self.progress_bar.setValue(int(100 * fraction))
        self.status.setText(f"Verifying: {stage}…")

    def _on_failed(self, message: str) -> None:
        self._idle()
        self.status.setText(f"Could not verify: {message}")

    def _on_cancelled(self) -> None:
        self._idle()
        self.status.setText("Verification cancelled.")

    def _on_done(self, report: dict[str, Any]) -> None:
        self._idle()
        self.report = report
        state = report["c2pa"]["state"]
        self.status.setText(f"Verified {Path(report['file']).name}.")
        colour = STATE_COLOURS.get(state, "#8a8f98")
        self.verdict.setText(f"<p style='font-size:14pt'><span style='color:{colour}'>&#9679;</span> "
                             f"{html.escape(report['verdict'])}</p>")
        self.details.setHtml(report_html(report))
        self.finished_report.emit(report)


def _row(label: str, value: Any) -> str:
    cell = "style='color:#8a8f98;padding-right:12px'"
    return f"<tr><td {cell}>{html.escape(label)}</td><td>{html.escape(str(value))}</td></tr>"


def report_html(report: dict[str, Any]) -> str:
    """The report as HTML for the dialog (same facts as summary_lines, grouped and explained)."""
    from sora_studio.core.provenance.verify import STATE_MEANING

    c, t, led = report["c2pa"], report["trace_mark"], report["ledger"]
    colour = STATE_COLOURS.get(c["state"], "#8a8f98")
    parts = ["<h3>Content Credentials (C2PA)</h3>",
             f"<p><b style='color:{colour}'>{html.escape(c['state'])}</b> - "
             f"{html.escape(STATE_MEANING.get(c['state'], c['message']))}</p><table>"]
    for label, key in (("signer", "signer"), ("issued by", "issuer"), ("signed at", "signed_at"),
                       ("made with", "claim_generator")):
        if c.get(key):
            parts.append(_row(label, c[key]))
    for action in c.get("actions", []):
        source = (action.get("digitalSourceType") or "").rsplit("/", 1)[-1]
        parts.append(_row("action", action.get("action", "?") + (f" ({source})" if source else "")))
    for ing in c.get("ingredients", []):
        parts.append(_row("ingredient", f"{ing.get('title')} ({ing.get('relationship')})"
                          + (", has its own credentials" if ing.get("has_credentials") else "")))
    for failure in c.get("failures", []):
        parts.append(_row("problem", failure))
    parts.append("</table><h3>Invisible trace mark</h3>")
    if t.get("found"):
        how = "decoded from the pixels alone" if t.get("method") == "decoded" else "matched an id this install issued"
        p = t["false_positive_probability"]
        confidence = f"1 - {p:.1e}" if p >= 1e-12 else "1 - (less than 1e-12)"
        p_false = f"{p:.1e}" if p >= 1e-12 else "less than 1e-12"
        parts.append(f"<table>{_row('id', t['id'])}{_row('layer', t.get('layer'))}{_row('confidence', confidence)}"
                     f"{_row('false-positive probability', p_false)}{_row('z score', round(t['z_score'], 1))}"
                     f"{_row('how', how)}{_row('frames analysed', t.get('frames_analysed'))}</table>")
    else:
        parts.append(f"<p>{html.escape(t.get('message') or 'not found')}</p>")
    parts.append("<h3>This install's ledger</h3>")
    record = led.get("record")
    if record:
        match = {"sha256": "this exact file", "trace_mark": "the trace mark in the pixels",
                 "c2pa_assertion": "the id in the Content Credentials",
                 "fingerprint": "what it looks like (perceptual fingerprint)"}.get(led["match"], led["match"])
        name = f"{record['kind']} {record['id']}"
        parts.append(f"<table>{_row('record', name)}{_row('created', record['created'])}"
                     f"{_row('matched by', match)}")
        if record.get("signed") is not None:
            parts.append(_row("signed when made", "yes" if record["signed"] else "no"))
        recipe = record.get("recipe") or {}
        for key, label in RECIPE_FIELDS:
            if recipe.get(key) not in (None, "", []):
                value = recipe[key]
                parts.append(_row(label, ", ".join(map(str, value)) if isinstance(value, list) else value))
        for clip in (recipe.get("clips") or [])[:8]:
            if isinstance(clip, dict) and clip.get("model_id"):
                parts.append(_row("clip", f"{clip.get('model_id')} seed {clip.get('seed')}"))
        parts.append("</table>")
    else:
        parts.append("<p>No record of this file in this install's ledger.</p>")
    if led.get("recovered_from"):
        parts.append(f"<p>Note: the ledger was damaged and rebuilt; the old copy is "
                     f"{html.escape(str(led['recovered_from']))}.</p>")
    return "".join(parts)


def open_verify_dialog(parent: QWidget | None = None) -> VerifyDialog:
    """Show a non-modal Verify dialog (kept alive by its parent until closed)."""
    dialog = VerifyDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
