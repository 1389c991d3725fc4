"""Benchmarks behind `sora-studio bench NAME`: each module exposes run(quick: bool) -> dict and format(result) -> str.

Every figure is reported with a baseline measured in the same run (ratios, not absolute goals in tests).
"""

BENCHMARKS = {
    "gpu": "sora_studio.bench.gpu",
    "engine": "sora_studio.bench.engine",
    "export": "sora_studio.bench.export",
    "ui": "sora_studio.bench.ui",
    "cameo": "sora_studio.bench.cameo",
    "storyboard": "sora_studio.bench.storyboard",
    "trace-mark": "sora_studio.bench.trace_mark",
    "farm": "sora_studio.bench.farm",
}
