"""`sora-studio verify FILE [--json]` end to end: real signed files, a stripped copy, foreign and bad input."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from sora_studio.bench.trace_mark import footage
from sora_studio.cli import main
from sora_studio.core.media.encode import write_clip
from sora_studio.core.provenance import certificates as certs
from sora_studio.core.provenance.c2pa_sign import ManifestSpec, copy_and_sign
from sora_studio.core.provenance.export_hooks import mark_generated_frames

RECIPE = {"model_id": "ltx-2", "prompt": "city at night", "seed": 5, "fps": 24}


@pytest.fixture
def marked_signed(tmp_path):
    frames, mark_id = mark_generated_frames(np.stack(list(footage(640, 360, 96, 24, seed=2))), RECIPE)
    raw = write_clip(tmp_path / "raw.mp4", frames, 24)
    signed = tmp_path / "signed.mp4"
    spec = ManifestSpec("signed.mp4", True, False, [], {"trace_mark_id": f"{mark_id:016x}", "seed": 5})
    assert copy_and_sign(raw, signed, spec).signed
    return signed, mark_id


def verify_json(path, capsys):
    code = main(["verify", str(path), "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_signed_marked_file_reports_everything(marked_signed, capsys):
    signed, mark_id = marked_signed
    code, report = verify_json(signed, capsys)
    assert code == 0
    assert report["c2pa"]["state"] == "Trusted"
    assert report["c2pa"]["signer"] == "Sora Studio export signer"
    assert report["c2pa"]["actions"][0]["action"] == "c2pa.created"
    assert report["trace_mark"]["id"] == f"{mark_id:016x}" and report["trace_mark"]["confidence"] > 0.999999
    assert report["ledger"]["record"]["kind"] == "generation"
    assert report["ledger"]["record"]["recipe"]["seed"] == 5
    assert main(["verify", str(signed)]) == 0
    human = capsys.readouterr().out
    assert "Content Credentials: Trusted" in human and f"Trace mark: {mark_id:016x}" in human
    assert human.splitlines()[1] == "Authentic: signed Content Credentials are intact and the trace mark agrees."


def test_verify_reports_progress_and_stops_when_cancelled(marked_signed):
    from sora_studio.core.cancel import CancelToken
    from sora_studio.core.provenance.verify import verify_file
    from sora_studio.errors import Cancelled

    stages = []
    report = verify_file(marked_signed[0], progress=lambda stage, done: stages.append((stage, done)))
    assert report["trace_mark"]["found"]
    assert stages[0] == ("Content Credentials", 0.0) and stages[-1] == ("ledger", 1.0)
    fractions = [done for stage, done in stages if stage == "trace mark"]
    assert len(fractions) == 96 and fractions == sorted(fractions)
    token = CancelToken()
    seen = []

    def cancel_after_ten(stage, done):
        seen.append(done)
        if len(seen) == 10:
            token.cancel()
    with pytest.raises(Cancelled):
        verify_file(marked_signed[0], progress=cancel_after_ten, cancel=token)
    assert len(seen) == 10  # the next frame raised before any more work or progress


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs Debian's ffmpeg")
def test_stripped_manifest_is_still_traced_through_the_mark(marked_signed, tmp_path, capsys):
    signed, mark_id = marked_signed
    stripped = tmp_path / "stripped.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(signed), "-map", "0:v", "-c", "copy", "-map_metadata", "-1",
                    str(stripped)], check=True)
    code, report = verify_json(stripped, capsys)
    assert code == 0
    assert report["c2pa"]["state"] == "none"
    assert report["trace_mark"]["id"] == f"{mark_id:016x}"
    assert report["ledger"]["match"] == "trace_mark" and report["ledger"]["record"]["recipe"]["model_id"] == "ltx-2"
    assert report["verdict"].startswith("The Content Credentials are missing")
    assert f"trace mark {mark_id:016x} still traces it to this studio" in report["verdict"]


def test_foreign_ca_file_reads_as_valid_with_its_signer(tmp_path, capsys):
    clip = write_clip(tmp_path / "other.mp4", np.stack(list(footage(320, 180, 24, 24, seed=0))), 24)
    chain, key, _ = certs.make_ca_chain("Another Tool", "another tool signer")
    out = tmp_path / "foreign.mp4"
    other_tool = certs.SigningIdentity(chain, key, None, "user")
    assert copy_and_sign(clip, out, ManifestSpec("foreign.mp4", False), other_tool).signed
    code, report = verify_json(out, capsys)
    assert code == 0 and report["c2pa"]["state"] == "Valid"
    assert report["c2pa"]["signer"] == "another tool signer"
    assert report["trace_mark"]["found"] is False and report["ledger"]["record"] is None


def test_bad_inputs_are_reports_or_exit_2(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("not media")
    code, report = verify_json(text, capsys)
    assert code == 0 and report["c2pa"]["state"] == "unsupported" and report["trace_mark"]["analysed"] is False
    junk = tmp_path / "broken.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\xde\xad" * 500)
    code, report = verify_json(junk, capsys)
    assert code == 0 and report["c2pa"]["state"] in ("Invalid", "error", "none")
    assert main(["verify", str(tmp_path / "nope.mp4")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["verify", str(tmp_path)]) == 2
