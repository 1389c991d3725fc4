"""The cameo enrollment wizard: consent and owner, the challenge, then either a live capture (camera with a
face guide, then the spoken phrase with the camera still running, so the mouth is checked while it is said)
or a recorded clip, the analysis, the result.

A thin view over sora_studio.core.cameo: it draws the challenge, runs capture and analysis in worker
threads and registers the cameo with the core store when every check passed. Nothing here decides whether
a check passes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QProgressBar, QPushButton, QRadioButton, QVBoxLayout, QWidget,
                               QWizard, QWizardPage)

from sora_studio.core.cameo import enroll
from sora_studio.core.cameo.phrase import PhraseGrammar
from sora_studio.core.cameo.store import Cameo, CameoStore
from sora_studio.errors import StudioError
from sora_studio.ui.cameo.analysis_thread import AnalysisThread
from sora_studio.ui.cameo.live_capture import LiveAnalysisThread
from sora_studio.ui.cameo.live_page import LivePage
from sora_studio.ui.cameo.phrase_page import PhrasePage

HONEST_NOTE = ("Enrollment records your consent and makes casual misuse harder. It is a consent and deterrence "
               "step, not a certified anti-spoofing system.")
PAGE_CONSENT, PAGE_CHALLENGE, PAGE_LIVE, PAGE_PHRASE, PAGE_ANALYSIS = range(5)


class ConsentPage(QWizardPage):
    def __init__(self, store: CameoStore) -> None:
        super().__init__()
        self.setTitle("Consent")
        self.store = store
        layout = QVBoxLayout(self)
        note = QLabel(HONEST_NOTE)
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.profile = QComboBox()
        self.new_profile = QLineEdit(placeholderText="new profile name")
        create = QPushButton("Create profile")
        create.clicked.connect(self.create_profile)
        row = QHBoxLayout()
        row.addWidget(self.new_profile)
        row.addWidget(create)
        self.kind = QComboBox()
        self.kind.addItems(["person", "pet", "object"])
        self.consent = QCheckBox("I am the person enrolled (or I own this pet/object) and I consent")
        self.consent.toggled.connect(self.completeChanged)
        form.addRow("Owner profile", self.profile)
        form.addRow("", row)
        form.addRow("Enrolling a", self.kind)
        layout.addLayout(form)
        layout.addWidget(self.consent)
        self.refresh_profiles()

    def refresh_profiles(self) -> None:
        self.profile.clear()
        for p in self.store.profiles.list():
            if p.is_local:
                self.profile.addItem(f"{p.name} ({p.kind})", p.id)
        active = self.store.profiles.active()
        if active is not None:
            self.profile.setCurrentIndex(max(0, self.profile.findData(active.id)))
        self.completeChanged.emit()

    @Slot()
    def create_profile(self) -> None:
        try:
            created = self.store.profiles.create(self.new_profile.text())
        except StudioError as exc:
            self.new_profile.setToolTip(str(exc))
            return
        self.new_profile.clear()
        self.refresh_profiles()
        self.profile.setCurrentIndex(self.profile.findData(created.id))

    def isComplete(self) -> bool:  # noqa: N802
        return self.consent.isChecked() and self.profile.count() > 0


class ChallengePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Record the challenge")
        self.grammar = PhraseGrammar.load()
        layout = QVBoxLayout(self)
        self.instructions = QLabel()
        self.instructions.setWordWrap(True)
        redraw = QPushButton("New challenge")
        redraw.clicked.connect(self.draw)
        form = QFormLayout()
        self.name = QLineEdit(placeholderText="cameo name, e.g. alice")
        self.name.textChanged.connect(self.completeChanged)
        self.live = QRadioButton("Live, now: webcam with a face guide, then the phrase into the microphone")
        self.recorded = QRadioButton("A clip I recorded (the phrase spoken on camera, in its sound)")
        self.live.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.live)
        modes.addButton(self.recorded)
        self.live.toggled.connect(self.completeChanged)
        self.video = QLineEdit(placeholderText="the recorded clip")
        self.video.textChanged.connect(self._video_typed)
        browse = QPushButton("Browse...")
        browse.clicked.connect(self.browse)
        video_row = QHBoxLayout()
        video_row.addWidget(self.video)
        video_row.addWidget(browse)
        form.addRow("Name", self.name)
        form.addRow("Capture", self.live)
        form.addRow("", self.recorded)
        form.addRow("Video file", video_row)
        layout.addWidget(self.instructions)
        layout.addWidget(redraw)
        layout.addLayout(form)
        self.challenges: list[str] = []
        self.phrase: str | None = None
        self.draw()

    @Slot()
    def draw(self) -> None:
        self.set_challenge(enroll.random_challenges(3), self.grammar.random_phrase())

    def set_challenge(self, challenges: list[str], phrase: str | None) -> None:
        self.challenges, self.phrase = list(challenges), phrase
        speech = f' Then say: "{phrase}".' if phrase else ""
        self.instructions.setText(
            f"Face the camera, still, for a second. Turn your head: {', '.join(challenges)} (your own left/right), "
            f"facing the camera again after each turn. Blink once.{speech}")

    @Slot(str)
    def _video_typed(self, text: str) -> None:
        if text.strip():
            self.recorded.setChecked(True)
        self.completeChanged.emit()

    @Slot()
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Enrollment clip", "", "Video (*.mp4 *.mov *.mkv *.webm *.avi)")
        if path:
            self.video.setText(path)

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.name.text().strip()) and (self.live.isChecked() or bool(self.video.text().strip()))

    def nextId(self) -> int:  # noqa: N802
        return PAGE_LIVE if self.live.isChecked() else PAGE_ANALYSIS


class AnalysisPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Checking")
        layout = QVBoxLayout(self)
        self.status = QLabel("waiting")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancel_analysis)
        self.reasons = QListWidget()
        for w in (self.status, self.bar, self.cancel, self.reasons):
            layout.addWidget(w)
        self.thread: AnalysisThread | None = None
        self.result: enroll.EnrollmentResult | None = None

    def initializePage(self) -> None:  # noqa: N802
        wizard: EnrollWizard = self.wizard()  # type: ignore[assignment]
        consent, challenge = wizard.consent_page, wizard.challenge_page
        kind = consent.kind.currentText()
        self.result = None
        self.reasons.clear()
        self.status.setText("analysing...")
        challenges = challenge.challenges if kind == "person" else []
        phrase = challenge.phrase if kind == "person" else None
        if challenge.live.isChecked():
            take = wizard.phrase_page.take if phrase else None
            self.thread = LiveAnalysisThread(wizard.live_page.capture, kind=kind, challenges=challenges,
                                             phrase=phrase, take=take, parent=self)
        else:
            self.thread = AnalysisThread(video=Path(challenge.video.text().strip()), camera=None, audio=None,
                                         kind=kind, challenges=challenges, phrase=phrase, parent=self)
        self.thread.progressed.connect(self.on_progress)
        self.thread.succeeded.connect(self.on_result)
        self.thread.failed.connect(self.on_failed)
        self.thread.start()

    def cleanupPage(self) -> None:  # noqa: N802
        self.cancel_analysis()

    @Slot()
    def cancel_analysis(self) -> None:
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel_token.cancel()
            self.thread.wait(10000)

    @Slot(float, str)
    def on_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 100))
        self.status.setText(message)

    @Slot(object)
    def on_result(self, result: enroll.EnrollmentResult) -> None:
        self.result = result
        self.bar.setValue(100)
        if result.passed:
            self.status.setText("All checks passed. Finish to enroll.")
        else:
            live = self.wizard().challenge_page.live.isChecked()  # type: ignore[union-attr]
            self.status.setText("Enrollment failed. Press Back to say the phrase again (Back twice for the head "
                                "turns), fixing what is listed:" if live and result.phrase else
                                "Enrollment failed. Record again:")
            self.reasons.addItems(result.reasons)
        self.completeChanged.emit()

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self.status.setText("Could not analyse the clip:")
        self.reasons.addItem(message)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.result is not None and self.result.passed


class EnrollWizard(QWizard):
    """Enroll a cameo; `enrolled` holds the registered Cameo after a successful finish."""

    def __init__(self, store: CameoStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Enroll a cameo")
        self.store = store
        self.consent_page, self.challenge_page, self.analysis_page = ConsentPage(store), ChallengePage(), AnalysisPage()
        self.live_page, self.phrase_page = LivePage(), PhrasePage()
        for page_id, page in ((PAGE_CONSENT, self.consent_page), (PAGE_CHALLENGE, self.challenge_page),
                              (PAGE_LIVE, self.live_page), (PAGE_PHRASE, self.phrase_page),
                              (PAGE_ANALYSIS, self.analysis_page)):
            self.setPage(page_id, page)
        self.enrolled: Cameo | None = None
        self.error: str | None = None

    def done(self, result: int) -> None:
        """Closing (Finish, Cancel, Escape) stops the camera, the microphone and any analysis first."""
        self.phrase_page.cleanupPage()  # its thread reads the live page's camera: stop it before that closes
        self.live_page.abandon()
        self.analysis_page.cancel_analysis()
        super().done(result)

    def accept(self) -> None:
        result = self.analysis_page.result
        owner = self.store.profiles.get(self.consent_page.profile.currentData())
        try:
            self.enrolled = enroll.register(self.store, owner, self.challenge_page.name.text(), result,
                                            attest=self.consent_page.consent.isChecked())
        except StudioError as exc:
            self.error = str(exc)
            self.analysis_page.reasons.addItem(self.error)
            return
        super().accept()
