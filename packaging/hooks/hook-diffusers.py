"""diffusers checks its dependencies' versions at import (dependency_versions_check reads package metadata) and
imports pipelines lazily by name (getattr(diffusers, "WanPipeline")): ship the metadata and the torch modules,
leaving out the Flax/ONNX/experimental parts that need packages we do not ship."""

from PyInstaller.utils.hooks import collect_submodules, copy_metadata, get_module_attribute

datas = copy_metadata("diffusers")
try:
    _deps = get_module_attribute("diffusers.dependency_versions_table", "deps")
except Exception:
    _deps = {}
for _name in _deps:
    try:
        datas += copy_metadata(_name)
    except Exception:  # optional dependency not installed here
        pass

_SKIP = ("flax", "onnx", "_flax", "experimental", "commands", "quantizers.gguf", "quantizers.torchao")


def _keep(name: str) -> bool:
    return not any(part in name for part in _SKIP)


hiddenimports = collect_submodules("diffusers.pipelines", filter=_keep)
hiddenimports += collect_submodules("diffusers.models", filter=_keep)
hiddenimports += collect_submodules("diffusers.schedulers", filter=_keep)
hiddenimports += collect_submodules("diffusers.loaders", filter=_keep)
module_collection_mode = "pyz+py"  # some modules inspect their own source (torch.jit / inspect.getsource)
