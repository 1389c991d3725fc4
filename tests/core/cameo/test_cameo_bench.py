"""The cameo benchmark runs and reports its figures (quick set; no timing assertions)."""

from sora_studio.bench import BENCHMARKS
from sora_studio.bench import cameo as bench


def test_cameo_benchmark_quick_run_reports_rates_and_times():
    assert BENCHMARKS["cameo"] == "sora_studio.bench.cameo"
    result = bench.run(quick=True)
    assert result["set"]["genuine"] == 1 and sum(result["set"]["attacks"].values()) == 6
    assert 0.0 <= result["false_reject_rate"] <= 1.0 and 0.0 <= result["false_accept_rate"] <= 1.0
    assert result["analysis_s_mean"] > result["decode_only_s_mean"] > 0
    text = bench.format(result)
    assert "false-reject rate" in text and "flat_photo" in text and "pingpong" in text
    assert set(result["replays_caught_by"]) == {"frozen/still", "looped/blink", "pingpong/turn"}
