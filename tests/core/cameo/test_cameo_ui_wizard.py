"""The enrollment wizard (offscreen Qt): analysis runs off the GUI thread; only a passing clip enrolls.

Kept beside the core cameo tests because it drives the real analysis on the shared synthetic clips.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QWizard  # noqa: E402

from sora_studio.core.cameo.store import CameoStore  # noqa: E402
from sora_studio.ui.cameo.wizard import EnrollWizard  # noqa: E402

PHRASE = "the silver tiger carries five lanterns"


def _walk_to_analysis(qtbot, wizard, clip, turns):
    wizard.consent_page.new_profile.setText("Alice")
    wizard.consent_page.create_profile()
    wizard.consent_page.consent.setChecked(True)
    assert wizard.consent_page.isComplete()
    wizard.next()
    wizard.challenge_page.set_challenge(turns, PHRASE)
    wizard.challenge_page.name.setText("alice")
    wizard.challenge_page.video.setText(str(clip))
    wizard.next()
    page = wizard.analysis_page
    qtbot.waitUntil(lambda: page.result is not None or page.reasons.count() > 0, timeout=60000)
    return page


def test_wizard_enrolls_a_passing_clip(qtbot, clips):
    store = CameoStore()
    wizard = EnrollWizard(store)
    qtbot.addWidget(wizard)
    wizard.show()
    page = _walk_to_analysis(qtbot, wizard, clips.genuine, ["left", "up"])
    assert page.result.passed and page.isComplete()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.enrolled is not None and store.require("alice").consent["phrase"] == PHRASE
    store.close()


def test_wizard_shows_reasons_and_refuses_a_failing_clip(qtbot, clips):
    store = CameoStore()
    wizard = EnrollWizard(store)
    qtbot.addWidget(wizard)
    wizard.show()
    page = _walk_to_analysis(qtbot, wizard, clips.genuine, ["up", "left"])
    assert not page.isComplete()
    shown = [page.reasons.item(i).text() for i in range(page.reasons.count())]
    assert any("wrong order" in text for text in shown)
    assert store.find("alice") is None
    store.close()
