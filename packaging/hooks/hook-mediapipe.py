"""mediapipe (Tasks API, used for cameo face landmarks) loads its native libmediapipe with ctypes from the
`mediapipe.tasks.c` package folder: ship the library there and that package (PyInstaller cannot see either)."""

from pathlib import Path

from PyInstaller.utils.hooks import collect_submodules, copy_metadata, get_package_paths

_, _pkg = get_package_paths("mediapipe")
binaries = [(str(lib), "mediapipe/tasks/c") for lib in Path(_pkg, "tasks", "c").iterdir()
            if lib.name in ("libmediapipe.so", "libmediapipe.dylib", "libmediapipe.dll")]
hiddenimports = ["mediapipe.tasks.c"] + collect_submodules("mediapipe.tasks.python.vision")
datas = copy_metadata("mediapipe")
