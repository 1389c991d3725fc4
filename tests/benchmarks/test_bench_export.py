"""The export benchmark runs (quick mode) and reports well-formed, sane figures. No timing assertions."""

import shutil

from sora_studio.bench import export


def test_quick_export_benchmark_structure():
    result = export.run(quick=True)
    e, s = result["export"], result["seek"]
    assert e["frames"] == 30 and e["output_frames"] == 30 and e["output_ok"] is True
    assert e["ours_fps"] > 0 and all(t > 0 for t in e["ours_s"])
    if shutil.which("ffmpeg"):
        assert e["ratio"] > 0 and e["ffmpeg_fps"] > 0 and e["ffmpeg"].startswith("ffmpeg")
    else:
        assert e["ratio"] is None and "ffmpeg" in e["note"]
    assert e["ratio_vs_pyav_direct"] > 0 and len(e["pyav_direct_s"]) == len(e["ours_s"])
    assert e["ours_rgb_path_fps"] > 0 and len(e["ours_rgb_path_s"]) == len(e["ours_s"])
    for key in ("long_gop_source", "proxy_1s_gop", "proxy_intra"):
        row = s[key]
        assert 0 < row["median_ms"] <= row["p95_ms"]
        assert row["seeks"] >= 5
    text = export.format(result)
    assert "ffmpeg" in text and "proxy, 1 s GOP" in text and "median" in text
