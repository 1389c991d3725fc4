"""OTIO loads adapter modules from the file path its plugin manifest names (not by import): ship otio_fcpx_xml_adapter's
.py sources beside the compiled ones, and its distribution metadata (the plugin entry point)."""

from PyInstaller.utils.hooks import collect_data_files, copy_metadata

module_collection_mode = "pyz+py"
datas = collect_data_files("otio_fcpx_xml_adapter") + copy_metadata("otio-fcpx-xml-adapter")
