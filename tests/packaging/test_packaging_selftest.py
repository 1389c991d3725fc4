"""run_self_test() in-process: every step (data, window, render, encode, sign, verify) passes here."""

from __future__ import annotations

import io
import re

from sora_studio.selftest import run_self_test


def test_packaging_self_test_passes_and_reports_each_step(studio_home, qapp):
    out = io.StringIO()
    assert run_self_test(out) == 0, out.getvalue()
    lines = out.getvalue().splitlines()
    steps = [line for line in lines if line.startswith("[")]
    assert [re.match(r"\[(\w+)\s*\]", s).group(1) for s in steps] == ["ok"] * 6
    names = " | ".join(steps)
    for step in ("data files", "editor window", "render tiny clip", "encode MP4", "sign (C2PA)", "verify (C2PA)"):
        assert step in names
    assert re.search(r"verify \(C2PA\)\s+\d+\.\d+ s\s+C2PA (Valid|Trusted)", names)
    assert lines[-1].startswith("self-test OK")


def test_packaging_self_test_reports_fail_when_data_is_missing(tmp_path, monkeypatch, qapp):
    monkeypatch.setenv("SORA_STUDIO_DATA", str(tmp_path))  # an empty data folder: no manifests, no presets
    out = io.StringIO()
    assert run_self_test(out) == 1
    text = out.getvalue()
    assert "[FAIL] data files" in text and "[skip] verify (C2PA)" in text
    assert text.splitlines()[-1].startswith("self-test FAIL")
