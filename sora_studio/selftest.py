"""`sora-studio --self-test`: prove that an installed (or packaged) studio works end to end on this machine.

Steps, each printed with its time: data files found -> the editor window opens (offscreen) -> a tiny-model
clip renders (real diffusers pipeline, random weights, CPU) -> it is encoded to MP4 -> signed with C2PA
Content Credentials -> the credentials verify. Then one line: `self-test OK` or `self-test FAIL`.

It runs in a throw-away SORA_STUDIO_HOME, so it never touches the user's settings, models or certificates.
It needs no network and no GPU.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


class _Steps:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failed = False
        self.results: list[tuple[str, bool, float, str]] = []

    def run(self, name: str, fn: Callable[[], str | None]) -> None:
        if self.failed:  # later steps depend on earlier ones: report them as skipped
            self._print(name, None, 0.0, "skipped (an earlier step failed)")
            return
        t0 = time.perf_counter()
        try:
            detail = fn() or ""
            ok = True
        except BaseException as exc:  # noqa: BLE001 - a self-test reports every failure, including SystemExit
            detail, ok = f"{type(exc).__name__}: {exc}", False
            self.failed = True
        elapsed = time.perf_counter() - t0
        self.results.append((name, ok, elapsed, detail))
        self._print(name, ok, elapsed, detail)

    def _print(self, name: str, ok: bool | None, elapsed: float, detail: str) -> None:
        mark = {True: "ok  ", False: "FAIL", None: "skip"}[ok]
        print(f"[{mark}] {name:<28} {elapsed:7.2f} s  {detail}", file=self.out, flush=True)


def _check_data() -> str:
    from sora_studio.core.models.manifest import load_manifests
    from sora_studio.core.resources import models_path, resource_path

    manifests = load_manifests()
    if "wan-tiny" not in manifests:
        raise RuntimeError(f"no wan-tiny manifest in {models_path()}")
    presets = sorted(p.stem for p in resource_path("presets", "export").glob("*.toml"))
    if not presets:
        raise RuntimeError(f"no export presets in {resource_path('presets', 'export')}")
    return f"{len(manifests)} model manifests, {len(presets)} export presets (data: {resource_path().parent})"


def _open_window() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from sora_studio.ui.app import create_app, install_panels
    from sora_studio.ui.main_window import MainWindow

    app = create_app([])
    window = MainWindow()
    panels = install_panels(window)
    window.show()
    for _ in range(5):
        app.processEvents()
    image = window.grab().toImage()
    size = (image.width(), image.height())
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    if min(size) <= 0:
        raise RuntimeError("the main window rendered an empty image")
    return f"main window {size[0]}x{size[1]} on '{app.platformName()}', {len(panels)} extra panels"


class _Clip:
    output = None
    path: Path | None = None


def _render(clip: _Clip) -> str:
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    from sora_studio.core.generation.request import GenerationRequest
    from sora_studio.core.generation.runner import ModelCache, generate

    request = GenerationRequest(model_id="wan-tiny", prompt="self-test: waves on a beach", steps=2, width=64,
                                height=64, seconds=0.5, fps=16, seed=1)
    clip.output = generate(request, ModelCache())
    frames = clip.output.frames
    return f"{frames.shape[0]} frames {frames.shape[2]}x{frames.shape[1]} with diffusers {_version('diffusers')}, " \
           f"torch {torch.__version__} (tiny random model: noise by design)"


def _encode(clip: _Clip, folder: Path) -> str:
    from sora_studio.core.generation.runner import write_output
    from sora_studio.core.media.probe import probe

    result = write_output(clip.output, folder / "selftest.mp4")
    clip.path = Path(result["media"])
    info = probe(clip.path)
    if info.frame_count != clip.output.frames.shape[0]:
        raise RuntimeError(f"encoded {info.frame_count} frames, expected {clip.output.frames.shape[0]}")
    return f"{clip.path.name}: {info.video_codec}, {info.frame_count} frames, {clip.path.stat().st_size} bytes"


def _sign(clip: _Clip) -> str:
    from sora_studio.core.provenance.c2pa_sign import ManifestSpec, sign_in_place

    outcome = sign_in_place(clip.path, ManifestSpec(title="Sora Studio self-test", generated=True,
                                                    studio={"self_test": True}))
    if not outcome.signed:
        raise RuntimeError(f"not signed: {outcome.reason}")
    return f"signed by {outcome.signer}"


def _verify(clip: _Clip) -> str:
    from sora_studio.core.provenance.c2pa_verify import read_credentials

    report = read_credentials(clip.path)
    if report.state not in ("Valid", "Trusted"):
        raise RuntimeError(f"C2PA state {report.state}: {report.message}")
    return f"C2PA {report.state}, signer {report.signer}"


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def run_self_test(out: TextIO | None = None) -> int:
    """Run every step; 0 when all pass, 1 otherwise (the last line says OK or FAIL)."""
    from sora_studio import __version__

    out = out or sys.stdout
    frozen = getattr(sys, "frozen", False)
    print(f"Sora Studio {__version__} self-test ({'packaged' if frozen else 'source'} build, Python "
          f"{sys.version.split()[0]}, {sys.platform})", file=out, flush=True)
    started = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="sora-selftest-"))
    saved = {k: os.environ.get(k) for k in ("SORA_STUDIO_HOME", "HF_HUB_OFFLINE")}
    os.environ["SORA_STUDIO_HOME"] = str(home / "home")
    os.environ["HF_HUB_OFFLINE"] = "1"
    steps, clip = _Steps(out), _Clip()
    try:
        steps.run("data files", _check_data)
        steps.run("editor window (offscreen)", _open_window)
        steps.run("render tiny clip", lambda: _render(clip))
        steps.run("encode MP4", lambda: _encode(clip, home))
        steps.run("sign (C2PA)", lambda: _sign(clip))
        steps.run("verify (C2PA)", lambda: _verify(clip))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(home, ignore_errors=True)
    total = time.perf_counter() - started
    verdict = "FAIL" if steps.failed else "OK"
    print(f"self-test {verdict} ({total:.1f} s)", file=out, flush=True)
    return 1 if steps.failed else 0


if __name__ == "__main__":
    sys.exit(run_self_test())
