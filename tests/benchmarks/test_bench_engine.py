"""The engine benchmark runs (quick mode) and reports every figure; no timing assertions."""

from sora_studio.bench import engine


def test_engine_bench_quick_reports_structure():
    result = engine.run(quick=True)
    for key in ("direct_s", "studio_s", "overhead_s", "overhead_ratio", "preview_per_step_s", "preview_share_of_step",
                "worker_warm_s", "cancel_latency_steps", "cancel_outcome"):
        assert key in result, key
    assert result["direct_s"] > 0 and result["studio_s"] > 0 and result["preview_per_step_s"] > 0
    assert result["worker_ok"] and result["cancel_outcome"] == "cancelled"
    assert isinstance(result["cancel_latency_steps"], int)
    text = engine.format(result)
    assert "direct pipeline call" in text and "cancel latency" in text


def test_gpu_bench_reports_flops_and_says_when_there_is_no_cuda():
    import torch

    from sora_studio.bench import gpu

    if torch.cuda.is_available():  # a GPU runner does the real (quick) measurement
        result = gpu.run(quick=True)
        assert result["models"]["wan2.1-t2v-1.3b"]["plain"]["step_s"] > 0
    else:
        result = gpu.run(quick=True)
        assert result["cuda"] is False and "no CUDA" in gpu.format(result)
    # self-attention dominates: the 14B step costs more than 5x the 1.3B step at the same shape
    flops = result["flops_per_step"]
    assert 5 < flops["wan2.1-t2v-14b"] / flops["wan2.1-t2v-1.3b"] < 7
