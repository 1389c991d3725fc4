"""Sora Studio imports command groups, UI panels, benchmarks and model families by name (importlib): collect
every submodule except the optional Ray farm, and the transformers model families our pipelines load lazily."""

from PyInstaller.utils.hooks import collect_submodules

hiddenimports = collect_submodules("sora_studio", filter=lambda name: not name.startswith("sora_studio.farm"))
for _family in ("umt5", "t5", "clip", "gemma3", "gemma", "auto", "llama", "siglip"):
    hiddenimports += collect_submodules(f"transformers.models.{_family}")
hiddenimports += ["ftfy", "torchsde", "accelerate", "sora_studio.engine.worker"]
