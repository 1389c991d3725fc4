"""Help > Verify a File…: a real signed, trace-marked file and a copy with its Content Credentials stripped,
verified on the dialog's worker thread; cancel; the menu action opens the dialog."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from sora_studio.bench.trace_mark import footage
from sora_studio.core.media.encode import write_clip
from sora_studio.core.provenance.c2pa_sign import ManifestSpec, copy_and_sign
from sora_studio.core.provenance.export_hooks import mark_generated_frames

RECIPE = {"model_id": "wan2.1-t2v-1.3b", "prompt": "a lighthouse at dusk", "seed": 11, "fps": 24}


@pytest.fixture
def signed_and_stripped(tmp_path):
    """Made per test: the signing CA and the ledger live in each test's own SORA_STUDIO_HOME."""
    frames, mark_id = mark_generated_frames(np.stack(list(footage(480, 270, 72, 24, seed=3))), RECIPE)
    raw = write_clip(tmp_path / "raw.mp4", frames, 24)
    signed = tmp_path / "lighthouse.mp4"
    spec = ManifestSpec("lighthouse.mp4", True, False, [], {"trace_mark_id": f"{mark_id:016x}", "seed": 11})
    assert copy_and_sign(raw, signed, spec).signed
    stripped = tmp_path / "lighthouse-reposted.mp4"
    if shutil.which("ffmpeg"):
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(signed), "-map", "0:v", "-c", "copy", "-map_metadata",
                        "-1", str(stripped)], check=True)
    return signed, stripped, mark_id


def run_dialog(qtbot, path):
    from sora_studio.ui.verify_dialog import VerifyDialog

    dialog = VerifyDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.finished_report, timeout=120_000):
        dialog.start(path)
    return dialog


def test_signed_export_shows_state_signer_actions_mark_and_recipe(qtbot, signed_and_stripped):
    signed, _, mark_id = signed_and_stripped
    dialog = run_dialog(qtbot, signed)
    report = dialog.report
    assert report["c2pa"]["state"] == "Trusted" and report["trace_mark"]["id"] == f"{mark_id:016x}"
    assert dialog.verdict.text().count("Authentic") == 1
    text = dialog.details.toPlainText()
    for expected in ("Trusted", "signed by this install's certificate", "Sora Studio export signer",
                     "c2pa.created (trainedAlgorithmicMedia)", f"{mark_id:016x}", "confidence",
                     "false-positive probability", "generation",
                     "wan2.1-t2v-1.3b", "a lighthouse at dusk", "seed"):
        assert expected in text, expected
    assert dialog.verify_button.isEnabled() and not dialog.cancel_button.isEnabled()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs Debian's ffmpeg to strip the manifest")
def test_stripped_copy_says_credentials_missing_but_mark_traces_it(qtbot, signed_and_stripped):
    _, stripped, mark_id = signed_and_stripped
    dialog = run_dialog(qtbot, stripped)
    assert dialog.report["c2pa"]["state"] == "none"
    verdict = dialog.verdict.text()
    assert "Content Credentials are missing" in verdict and "still traces it to this studio" in verdict
    assert f"{mark_id:016x}" in verdict
    text = dialog.details.toPlainText()
    assert "no Content Credentials in the file" in text and "the trace mark in the pixels" in text
    assert "wan2.1-t2v-1.3b" in text


def test_cancel_stops_the_worker_and_bad_paths_are_reported(qtbot, signed_and_stripped, tmp_path):
    from sora_studio.ui.verify_dialog import VerifyDialog

    dialog = VerifyDialog()
    qtbot.addWidget(dialog)
    dialog.start(signed_and_stripped[0])
    dialog.thread.progress.connect(lambda *_: dialog.cancel())  # cancel as soon as it reports anything
    with qtbot.waitSignal(dialog.thread.cancelled, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: dialog.status.text() == "Verification cancelled.")
    assert dialog.report is None and dialog.verify_button.isEnabled()
    dialog.start(tmp_path / "missing.mp4")
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Could not verify"), timeout=30_000)
    assert "does not exist" in dialog.status.text()


def test_help_menu_opens_the_verify_dialog(qtbot):
    from sora_studio.ui.app import create_app
    from sora_studio.ui.main_window import MainWindow
    from sora_studio.ui.verify_dialog import VerifyDialog

    create_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    action = window.actions_["verify_file"]
    assert action in window.menuBar().actions()[-1].menu().actions()
    action.trigger()
    dialogs = window.findChildren(VerifyDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].close()
