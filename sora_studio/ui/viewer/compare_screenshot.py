"""Screenshot of the A/B take compare mode: `python -m sora_studio.ui.viewer.compare_screenshot OUT.png [WORKDIR]`.

Builds a project whose one clip has two synthetic takes (differently tinted moving test patterns, the second
with a generation recipe), opens the editor on it and starts the compare wipe. Refreshes
docs/screenshots/compare.png.
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction
from pathlib import Path

from sora_studio.ui.screenshot import open_editor, save_window_png, screenshot_main, wait_until

SIZE = (640, 360)


def build_takes_project(workdir: Path) -> Path:
    from sora_studio.core.media.synth import write_scene_video
    from sora_studio.core.project.bundle import Project
    from sora_studio.core.project.media_items import clips_for_media, take_for_media
    from sora_studio.core.timeline.edits import AddTake, OverwriteClip

    workdir.mkdir(parents=True, exist_ok=True)
    first = write_scene_video(workdir / "take-1.mp4", 48, SIZE, 24, seed=1, tint=(1.2, 0.7, 0.5))
    second = write_scene_video(workdir / "take-2.mp4", 48, SIZE, 24, seed=4, tint=(0.4, 0.8, 1.3))
    project = Project.create(workdir / "Takes.sorastudio", name="Takes", rate=24, width=SIZE[0], height=SIZE[1])
    item_1, item_2 = project.import_media(first), project.import_media(second)
    (_, clip), *_ = clips_for_media(item_1, Fraction(24), start=0)
    clip.name = "Harbour at dawn"
    OverwriteClip(project.timeline.video_tracks()[0].id, clip).apply(project.timeline)
    take = take_for_media(item_2, Fraction(24))
    take.metadata["sora_studio"].update({"label": "remix, colder light",
                                         "recipe": {"model_id": "tiny-wan-t2v", "seed": 1234, "strength": 0.65}})
    AddTake(clip.id, "take-2", take).apply(project.timeline)
    project.save()
    path = project.path
    project.close()
    return path


def take_compare_screenshot(out: Path, workdir: Path) -> Path:
    app, window = open_editor(build_takes_project(workdir))
    session = window.session
    window.timeline_panel.zoom_to_fit()
    clip = session.timeline.video_tracks()[0].clips[0]
    session.select({clip.id})
    session.set_playhead(20)
    window.viewer.start_compare(clip.id, "take-2")
    compare = window.viewer.compare
    compare.canvas.set_split(0.42)
    for _ in range(3):  # the layout settles, then the pictures for the final size arrive
        wait_until(app, lambda: compare.ready >= {"A", "B"} and window.previews.pending() == 0, 20)
        for _ in range(5):
            app.processEvents()
            time.sleep(0.02)
    save_window_png(window, out)
    window.close()
    return out


def main(argv: list[str]) -> int:
    return screenshot_main(argv, take_compare_screenshot, "sora_studio.ui.viewer.compare_screenshot")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
