"""Screenshots of the cameo views for docs/screenshots:
`python -m sora_studio.ui.cameo.screenshot wizard|panel OUT.png [WORKDIR]`.

The wizard shot is the live step part-way through the challenge, on a synthetic head-turn clip standing in
for the camera (a real capture and real landmarks; the frame shown is replayed from what the capture
reported). The panel shot uses a throw-away store under WORKDIR with two profiles, an imported card and a
short usage log.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

PHRASE = "the silver tiger carries five lanterns"


def _app():
    from sora_studio.ui.app import create_app

    return create_app([])


def _png(seed: int) -> bytes:
    import cv2
    import numpy as np

    image = np.random.default_rng(seed).integers(0, 255, (32, 32, 3), dtype=np.uint8)
    return cv2.imencode(".png", image)[1].tobytes()


def take_wizard(out: Path, workdir: Path) -> Path:
    from sora_studio.core.cameo import synthetic as syn
    from sora_studio.core.cameo.store import CameoStore
    from sora_studio.core.media.encode import write_clip
    from sora_studio.ui.cameo.wizard import EnrollWizard
    from sora_studio.ui.screenshot import save_window_png, wait_until

    os.environ["SORA_STUDIO_HOME"] = str(workdir / "home")
    app = _app()
    mesh = syn.FaceMesh.from_image(syn.astronaut_face(360))
    clip = write_clip(workdir / "turns.mp4", syn.render_clip(mesh, syn.ClipSpec(challenges=("left", "up"))), 15)
    store = CameoStore()
    wizard = EnrollWizard(store)
    wizard.resize(980, 640)
    wizard.show()
    wizard.consent_page.new_profile.setText("Alice")
    wizard.consent_page.create_profile()
    wizard.consent_page.consent.setChecked(True)
    wizard.next()
    wizard.challenge_page.set_challenge(["left", "up"], PHRASE)
    wizard.challenge_page.name.setText("alice")
    wizard.next()
    page = wizard.live_page
    page.pace = False
    page.use_file(clip)
    page.start_capture()
    seen = []
    page.thread.frame_ready.connect(lambda rgb, guide, status: seen.append((rgb, guide, status)))
    wait_until(app, lambda: page.capture is not None, 120)
    turning_up = [s for s in seen if s[2] is not None and s[2].done == 3]
    rgb, guide, status = turning_up[-1]  # the head is up, just before the turn counts as held
    page.on_frame(rgb, guide, status)
    page.message.setText("")
    app.processEvents()
    save_window_png(wizard, out)
    wizard.close()
    store.close()
    return out


def take_panel(out: Path, workdir: Path) -> Path:
    from sora_studio.core.cameo import permissions
    from sora_studio.core.cameo.store import CameoStore
    from sora_studio.errors import Refused
    from sora_studio.ui.cameo.panel import CameoPanel
    from sora_studio.ui.screenshot import save_window_png

    os.environ["SORA_STUDIO_HOME"] = str(workdir / "home")
    app = _app()
    with CameoStore(workdir / "elsewhere") as other:
        dave = other.profiles.create("Dave")
        other.profiles.export_card(dave.id, workdir / "dave.card.json")
    store = CameoStore()
    alice, bob = store.profiles.create("Alice"), store.profiles.create("Bob")
    carol = store.profiles.create("Carol")
    store.profiles.import_card(workdir / "dave.card.json")
    store.add(alice, "alice", "person", {"capture": "live", "challenges": ["left", "up"]}, {"front": _png(1)})
    store.add(alice, "rex", "pet", {"capture": "recorded"}, {"clip_0": _png(2)})
    permissions.grant_to(store, "alice", alice.id, bob.id)
    permissions.authorize_cameo_use(["alice"], bob.id, store=store, job_id="job-7f3a", with_images=False)
    permissions.record_clip(store, store.require("alice").id, bob.id, str(workdir / "boat-s42.mp4"), job_id="job-7f3a")
    with contextlib.suppress(Refused):  # the refusal is what the log shows
        permissions.authorize_cameo_use(["alice"], carol.id, store=store, job_id="job-81c0", with_images=False)
    panel = CameoPanel(store)
    panel.resize(1100, 620)
    panel.show()
    panel.cameos.selectRow(0)
    panel.message.setText("@alice may now be used by: People I approve (applies at once, queued renders too).")
    app.processEvents()
    save_window_png(panel, out)
    panel.close()
    store.close()
    return out


def main(argv: list[str]) -> int:
    from sora_studio.ui.screenshot import screenshot_main

    takes = {"wizard": take_wizard, "panel": take_panel}
    if not argv or argv[0] not in takes:
        print("usage: python -m sora_studio.ui.cameo.screenshot wizard|panel OUT.png [WORKDIR]", file=sys.stderr)
        return 2
    return screenshot_main(argv[1:], takes[argv[0]], f"sora_studio.ui.cameo.screenshot {argv[0]}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
