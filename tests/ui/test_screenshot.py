"""Screenshot of the editor on a populated timeline (real encoded media), saved as a PNG.

Runs the app in a subprocess under Xvfb (a real X11 window, platform xcb) when `Xvfb` is on PATH, else
with the offscreen platform. The PNG goes to $SORA_STUDIO_SCREENSHOT_DIR (or the test's tmp dir).
Checks that what a filmmaker looks for is on it: the red playhead, thumbnails, waveforms, the ruler.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def _free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture
def display_env():
    """Environment for the screenshot subprocess: an Xvfb display (xcb) if possible, else offscreen."""
    env = dict(os.environ)
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        env["QT_QPA_PLATFORM"] = "offscreen"
        yield env, "offscreen"
        return
    number = _free_display()
    proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        env["DISPLAY"] = f":{number}"
        env["QT_QPA_PLATFORM"] = "xcb"
        yield env, "xcb"
    finally:
        proc.terminate()
        proc.wait(10)


def test_editor_screenshot(tmp_path, display_env):
    env, platform = display_env
    out_dir = Path(os.environ.get("SORA_STUDIO_SCREENSHOT_DIR") or tmp_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "editor.png"
    result = subprocess.run([sys.executable, "-m", "sora_studio.ui.screenshot", str(out), str(tmp_path / "work")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"(Qt platform: {platform})" in result.stdout, result.stdout
    image = np.asarray(Image.open(out).convert("RGB")).astype(int)
    height, width, _ = image.shape
    assert width >= 1200 and height >= 700, (width, height, platform)
    red = (image[..., 0] > 220) & (image[..., 1] < 110) & (image[..., 2] < 110)
    columns = np.nonzero(red.sum(axis=0) > height * 0.2)[0]
    assert columns.size > 0, "the playhead (a tall red line) is visible"
    bottom = image[height // 2 :]
    sky = (bottom[..., 2] > 150) & (bottom[..., 0] < 140)
    assert sky.sum() > 2000, "video thumbnails (blue skies) are drawn in the timeline"
    wave = (np.abs(bottom[..., 0] - 127) < 20) & (bottom[..., 1] > 200) & (np.abs(bottom[..., 2] - 176) < 25)
    assert wave.sum() > 2000, "audio waveforms are drawn"
