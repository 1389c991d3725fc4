"""The storyboard benchmark runs in quick mode and reports consistent figures (no timing assertions)."""

from sora_studio.bench import storyboard


def test_storyboard_bench_quick(tiny_models):
    tiny_models.install("wan")
    tiny_models.install("wan-i2v")
    result = storyboard.run(quick=True)
    for key in ("cold", "warm"):
        row = result[key]
        assert row["shots"] == 3 and row["frames"] == 15
        assert 0 < row["pipelines_s"] < row["wall_s"]
        assert abs(row["outside_s"] - (row["wall_s"] - row["pipelines_s"])) < 0.01
    assert "outside" in storyboard.format(result)
