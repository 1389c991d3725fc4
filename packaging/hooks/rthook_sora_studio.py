"""Runtime hook (runs before the app's first import inside the bundle): point the app at its bundled files.

- SORA_STUDIO_DATA: where core/resources.py finds resources/ and models/ (the bundle root, sys._MEIPASS).
- C2PA_LIBRARY_NAME: the absolute path of the bundled libc2pa_c; c2pa-python otherwise searches the current
  working directory first, so a stray library there could be loaded instead of ours.
"""

import os
import sys

_root = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))
os.environ.setdefault("SORA_STUDIO_DATA", _root)
_lib = {"win32": "c2pa_c.dll", "darwin": "libc2pa_c.dylib"}.get(sys.platform, "libc2pa_c.so")
_c2pa = os.path.join(_root, "c2pa", "libs", _lib)
if os.path.isfile(_c2pa):
    os.environ["C2PA_LIBRARY_NAME"] = _c2pa
