"""`sora-studio bench ui` in quick mode: it runs end to end and reports figures with their baselines."""

from __future__ import annotations


def test_bench_ui_quick_reports_startup_and_stalls():
    from sora_studio.bench import ui

    result = ui.run(quick=True)
    startup = result["startup"]
    assert startup["baseline_s"] > 0 and startup["editor_s"] > 0
    b, e, ratio = startup["baseline_s"], startup["editor_s"], startup["ratio"]
    rounding = ratio * (0.0006 / b + 0.0006 / e) + 0.01  # the ratio is taken before the times are rounded to ms
    assert abs(ratio - e / b) <= rounding
    r = result["responsiveness"]
    for phase in ("idle", "playing", "exporting", "generating"):
        assert r[phase]["ticks"] > 0, phase
        assert r[phase]["longest_stall_ms"] >= 0
    assert r["playing"]["frames_shown"] > 0, "the viewer played frames"
    assert r["playing"]["target_fps"] == 24
    assert r["exporting"]["export_s"] > 0
    generating = r["generating"]
    assert generating["state"] == "done", generating["error"]  # the worker made the clip while the GUI was probed
    assert generating["ticks"] > 0 and generating["previews_received"] > 0, "previews reached the GUI"
    text = ui.format(result)
    assert "bare QApplication + QWidget" in text and "exporting" in text and "playing" in text and "generating" in text
