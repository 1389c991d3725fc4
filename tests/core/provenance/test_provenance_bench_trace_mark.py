"""The trace-mark benchmark runs end to end in quick mode (figures only; no timing assertions)."""

import shutil

import pytest

from sora_studio.bench import trace_mark


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs Debian's ffmpeg")
def test_quick_benchmark_reports_every_figure():
    result = trace_mark.run(quick=True)
    assert set(result["attacks"]) == {"h264_crf28", "trim_5s"}
    assert all(0.0 <= a["success_rate"] <= 1.0 for a in result["attacks"].values())
    assert result["psnr_db"]["min"] > 30 and result["cost"]["ratio"] > 0
    assert result["false_positives"]["clips"] == 2 and result["false_positives"]["calibration"]["draws"] == 1
    text = trace_mark.format(result)
    assert "h264_crf28" in text and "PSNR" in text and "ratio" in text
