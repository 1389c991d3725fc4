"""Screenshot of the Storyboard dock on a 3-shot storyboard with dialogue and images:
`python -m sora_studio.ui.storyboard.screenshot OUT.png [WORKDIR]` (refreshes docs/screenshots/storyboard.png).

The editor opens the demo project, the dock is filled with three shots (the second has dialogue, sound
notes and first+last frame images, one line too long for the shot), the dialogue fit estimate is awaited
(real espeak-ng), and the dock alone is grabbed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from sora_studio.ui.screenshot import screenshot_main, wait_until


def _frame(path: Path, top: tuple[int, int, int], bottom: tuple[int, int, int], lamp: bool) -> str:
    """A small drawn frame (sky gradient, sea, a lighthouse) so the thumbnails show something recognisable."""
    from PIL import Image, ImageDraw

    h, w = 180, 320
    t = np.linspace(0, 1, h)[:, None, None]
    sky = (np.array(top) * (1 - t) + np.array(bottom) * t).astype(np.uint8)
    pixels = np.repeat(sky, w, axis=1)
    pixels[120:] = (20, 40, 70)
    image = Image.fromarray(pixels)
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 60, 220, 125), fill=(235, 235, 230))
    draw.rectangle((200, 75, 220, 85), fill=(190, 40, 40))
    draw.rectangle((196, 50, 224, 60), fill=(60, 60, 60))
    if lamp:
        draw.polygon([(210, 55), (320, 30), (320, 80)], fill=(255, 236, 150))
    image.save(path)
    return str(path)


def build_storyboard(workdir: Path):
    from sora_studio.core.storyboard.model import DialogueLine, Shot, Storyboard, StoryboardSettings

    dusk = _frame(workdir / "dusk.png", (250, 150, 90), (90, 60, 120), lamp=False)
    night = _frame(workdir / "night.png", (30, 30, 80), (10, 10, 30), lamp=True)
    shots = [
        Shot("A red lighthouse on a rocky coast at dusk, waves breaking below", seconds=2.0, size="wide",
             camera="dolly-in", title="The approach", sound="waves, distant gulls", seed=7, id="approach"),
        Shot("The keeper climbs the spiral stairs with a lantern as the sky darkens", seconds=2.0,
             size="medium", camera="tracking", title="The climb", image=dusk, last_image=night,
             sound="footsteps on iron stairs, wind", id="climb", dialogue=[
                 DialogueLine("Keeper", "Right on time."),
                 DialogueLine("Mara", "The fog is rolling in faster than the forecast said it would tonight."),
             ]),
        Shot("The lamp turns on and sweeps across the sea", seconds=2.0, size="extreme-wide", camera="orbit",
             transition="continue", variations=2, title="The lamp", id="lamp"),
    ]
    return Storyboard(shots, StoryboardSettings(aspect="16:9", resolution=480, fps=16, style="cinematic"),
                      "Evening at the lighthouse")


def take_screenshot(out: Path, workdir: Path) -> Path:
    os.environ.setdefault("SORA_STUDIO_HOME", str(workdir / "home"))
    from sora_studio.ui.screenshot import open_editor, save_window_png
    from sora_studio.ui.storyboard import install

    workdir.mkdir(parents=True, exist_ok=True)
    app, window = open_editor(workdir=workdir, size=(1600, 1000))
    panel = install(window, lambda: None)
    dock = window.docks["Storyboard"]
    dock.setFloating(True)
    dock.resize(500, 1130)
    dock.show()
    panel.set_storyboard(build_storyboard(workdir))
    panel.cards.setCurrentRow(1)
    panel.cards.setFocus()
    rows = panel.form.dialogue.rows
    if not wait_until(app, lambda: all(r.fit.text() and "estimating" not in r.fit.text() for r in rows), 60):
        raise RuntimeError("the dialogue fit estimate did not arrive")
    wait_until(app, lambda: False, 0.3)  # let the layout settle
    save_window_png(dock, out)
    panel.fit.close()
    panel.runner.close()
    window.projects.confirm_discard = lambda doing: True
    window.close()
    return out


def main(argv: list[str]) -> int:
    return screenshot_main(argv, take_screenshot, "sora_studio.ui.storyboard.screenshot")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
