"""c2pa-python loads its native library (libc2pa_c.so / .dylib / c2pa_c.dll) with ctypes: ship it as a binary
in the same place the package keeps it (c2pa/libs/), where the runtime hook pins it."""

from pathlib import Path

from PyInstaller.utils.hooks import copy_metadata, get_package_paths

_, _pkg = get_package_paths("c2pa")
# only the loadable library: the wheel also carries Rust build leftovers (libc2pa_c.rlib, 31 MB; .d files)
binaries = [(str(lib), "c2pa/libs") for lib in Path(_pkg, "libs").iterdir()
            if lib.name in ("libc2pa_c.so", "libc2pa_c.dylib", "c2pa_c.dll")]
datas = copy_metadata("c2pa-python")
