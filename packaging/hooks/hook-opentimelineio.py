"""OpenTimelineIO finds adapters through plugin manifests (plugin_manifest.json) and the `opentimelineio.plugins`
entry points of installed distributions: ship the manifests, every adapter package and their metadata.
Adapters are loaded from the .py file a manifest names, so sources ship too (here and in hook-otio_*.py)."""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

ADAPTERS = {  # distribution -> import package
    "otio-fcp-adapter": "otio_fcp_adapter",
    "otio-fcpx-xml-adapter": "otio_fcpx_xml_adapter",
    "otio-cmx3600-adapter": "otio_cmx3600_adapter",
}

datas = collect_data_files("opentimelineio") + copy_metadata("opentimelineio")
hiddenimports = collect_submodules("opentimelineio")
module_collection_mode = "pyz+py"
for dist, package in ADAPTERS.items():
    try:
        datas += copy_metadata(dist) + collect_data_files(package)
        hiddenimports += collect_submodules(package)
    except Exception:  # an adapter not installed in the build environment is simply not bundled
        pass
