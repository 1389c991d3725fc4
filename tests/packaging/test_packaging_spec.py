"""The PyInstaller spec and hooks, checked without a (minutes-long) build: what they would collect."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


class _Recorder:
    """Stands in for PyInstaller's build classes and records what the spec passes them."""

    calls: dict[str, tuple] = {}

    def __init__(self, *args, **kwargs):
        _Recorder.calls[type(self).__name__] = (args, kwargs)
        self.pure, self.scripts, self.binaries, self.datas = [], [], [], []


def _spec_calls() -> dict:
    names = {n: type(n, (_Recorder,), {}) for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    _Recorder.calls = {}
    spec = PACKAGING / "sora-studio.spec"
    exec(compile(spec.read_text(), str(spec), "exec"), {"SPECPATH": str(PACKAGING), "__file__": str(spec), **names})
    return dict(_Recorder.calls)


def test_packaging_spec_bundles_data_notices_hooks_and_excludes_the_farm():
    calls = _spec_calls()
    args, analysis = calls["Analysis"]
    assert Path(args[0][0]) == PACKAGING / "entry.py"
    datas = {dest: Path(src) for src, dest in analysis["datas"]}
    assert datas == {"resources": ROOT / "resources", "models": ROOT / "models", "notices": PACKAGING / "notices"}
    assert (datas["models"] / "wan-tiny.toml").is_file() and any((datas["resources"] / "presets").iterdir())
    notices = {p.name for p in datas["notices"].iterdir()}
    assert {"THIRD-PARTY.md", "GPL-2.0.txt"} <= notices  # FFmpeg/x264 are GPL: the notice and the text ship
    hooks = Path(analysis["hookspath"][0])
    assert {p.name for p in hooks.glob("hook-*.py")} >= {"hook-c2pa.py", "hook-opentimelineio.py",
                                                         "hook-diffusers.py", "hook-sora_studio.py"}
    assert [Path(p).name for p in analysis["runtime_hooks"]] == ["rthook_sora_studio.py"]
    assert "ray" in analysis["excludes"]
    assert calls["EXE"][1]["name"] == "sora-studio" and calls["COLLECT"][1]["name"] == "sora-studio"


def _run_hook(name: str) -> dict:
    return runpy.run_path(str(PACKAGING / "hooks" / name))


def test_packaging_c2pa_hook_ships_the_native_library():
    hook = _run_hook("hook-c2pa.py")
    (src, dest), = hook["binaries"]
    assert dest == "c2pa/libs" and Path(src).is_file() and "c2pa_c" in Path(src).name
    assert any("c2pa_python" in Path(src).name.replace("-", "_") for src, _ in hook["datas"])


def test_packaging_otio_hook_ships_plugin_manifest_and_every_adapter():
    hook = _run_hook("hook-opentimelineio.py")
    sources = [Path(src) for src, _ in hook["datas"]]
    assert any(p.name == "plugin_manifest.json" or (p.is_dir() and (p / "plugin_manifest.json").exists())
               for p in sources)
    dist_infos = {p.name.split("-")[0].lower() for p in sources if p.name.endswith(".dist-info")}
    assert {"otio_fcp_adapter", "otio_fcpx_xml_adapter", "otio_cmx3600_adapter", "opentimelineio"} <= dist_infos
    assert "otio_cmx3600_adapter" in hook["hiddenimports"] or any(
        h.startswith("otio_cmx3600_adapter") for h in hook["hiddenimports"])


@pytest.mark.parametrize("package", ["opentimelineio", "otio_fcp_adapter", "otio_fcpx_xml_adapter",
                                     "otio_cmx3600_adapter"])
def test_packaging_otio_adapters_keep_their_py_sources(package):
    """OTIO imports an adapter from the .py path in its plugin manifest: a PYZ-only build fails to export."""
    hook = _run_hook(f"hook-{package}.py")
    assert hook["module_collection_mode"] == "pyz+py"


def test_packaging_runtime_hook_points_the_app_at_the_bundle(tmp_path):
    """Simulate a bundle root: the hook sets SORA_STUDIO_DATA and pins the C2PA library by absolute path."""
    lib = tmp_path / "c2pa" / "libs" / "libc2pa_c.so"
    lib.parent.mkdir(parents=True)
    lib.write_bytes(b"")
    (tmp_path / "models").mkdir()
    code = ("import os, sys; sys._MEIPASS = sys.argv[1]; import runpy; runpy.run_path(sys.argv[2]); "
            "from sora_studio.core.resources import models_path; "
            "print(os.environ['SORA_STUDIO_DATA']); print(os.environ.get('C2PA_LIBRARY_NAME')); print(models_path())")
    env = {k: v for k, v in os.environ.items() if k not in ("SORA_STUDIO_DATA", "C2PA_LIBRARY_NAME")}
    hook = PACKAGING / "hooks" / "rthook_sora_studio.py"
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(hook)],
                         capture_output=True, text=True, env=env, check=True).stdout.split()
    assert out == [str(tmp_path), str(lib), str(tmp_path / "models")]


def test_packaging_cameo_native_parts_are_shipped():
    """Cameo enrollment needs libmediapipe (loaded by ctypes from mediapipe/tasks/c) and pocketsphinx's model."""
    mp = _run_hook("hook-mediapipe.py")
    (src, dest), = mp["binaries"]
    assert dest == "mediapipe/tasks/c" and Path(src).is_file() and "mediapipe.tasks.c" in mp["hiddenimports"]
    ps = _run_hook("hook-pocketsphinx.py")
    assert any("model" in Path(src).parts for src, _ in ps["datas"])


@pytest.mark.parametrize("script", ["build-linux.sh", "macos/build-dmg.sh"])
def test_packaging_shell_scripts_parse(script):
    subprocess.run(["bash", "-n", str(PACKAGING / script)], check=True)
