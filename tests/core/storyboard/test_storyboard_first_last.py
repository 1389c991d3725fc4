"""Shots that end on a chosen frame (last_image) and loops: planned onto a first+last frame model (Wan FLF2V)
when one is usable, refused with a clear message when none is installed, and generated end to end (tiny)."""

import numpy as np
import pytest
from PIL import Image

from sora_studio.core.generation.backends import wan
from sora_studio.core.generation.request import file_sha256
from sora_studio.core.models.install import import_folder
from sora_studio.core.project.bundle import Project
from sora_studio.core.storyboard.clip_ops import image_to_video_clip
from sora_studio.core.storyboard.generator import InProcessGenerator
from sora_studio.core.storyboard.model import Shot, Storyboard, StoryboardSettings
from sora_studio.core.storyboard.plan import plan_storyboard
from sora_studio.core.storyboard.problems import ShotProblem
from sora_studio.core.storyboard.run import generate_storyboard
from sora_studio.core.timeline.model import NAMESPACE
from sora_studio.errors import BadInput


def _png(path, value):
    Image.fromarray(np.full((32, 32, 3), value, np.uint8)).save(path)
    return str(path)


def _board(first, last, **settings):
    shots = [Shot("a door opens", seconds=0.25, id="s1", seed=1, image=first, last_image=last),
             Shot("a hallway", seconds=0.25, id="s2", seed=2, transition="continue")]
    return Storyboard(shots, StoryboardSettings(aspect="1:1", resolution=32, fps=16, **settings))


@pytest.fixture
def pictures(tmp_path):
    return _png(tmp_path / "first.png", 220), _png(tmp_path / "last.png", 25)


def test_real_line_refuses_last_frame_until_an_flf2v_model_is_installed(tiny_models, pictures):
    # a "real" text-to-video model installed (the tiny Wan folder under the real manifest id)
    import_folder("wan2.1-t2v-1.3b", tiny_models.path("wan"))
    import_folder("wan2.1-i2v-14b-480p", tiny_models.path("wan-i2v"))
    board = _board(*pictures, model="wan2.1-t2v-1.3b")
    with pytest.raises(ShotProblem) as info:
        plan_storyboard(board)
    assert info.value.key == "last_image" and info.value.shot_id == "s1"
    assert "first and a last frame" in str(info.value) and "wan2.1-flf2v-14b-720p" in str(info.value)
    import_folder("wan2.1-flf2v-14b-720p", tiny_models.path("wan-flf2v"))
    plans = plan_storyboard(board)
    assert plans[0].model.id == "wan2.1-flf2v-14b-720p" and plans[0].requests[0].last_image == pictures[1]
    assert plans[1].model.id == "wan2.1-i2v-14b-480p"  # a plain continuation never lands on the FLF2V model


def test_storyboard_shot_with_a_last_frame_runs_on_tiny_flf2v(tiny_models, pictures, tmp_path, monkeypatch):
    for family in ("wan", "wan-i2v", "wan-flf2v"):
        tiny_models.install(family)
    last_frames = []
    original = wan.WanBackend.call_kwargs

    def capture(self, recipe, request):
        kwargs = original(self, recipe, request)
        last_frames.append(np.asarray(kwargs["last_image"]) if "last_image" in kwargs else None)
        return kwargs

    monkeypatch.setattr(wan.WanBackend, "call_kwargs", capture)
    project = Project.create(tmp_path / "p", rate=16, width=32, height=32, session=False)
    run = generate_storyboard(_board(*pictures), project, InProcessGenerator())
    assert [s.frames for s in run.shots] == [5, 5]
    assert last_frames[0] is not None and last_frames[0].mean() < 40 and last_frames[1] is None
    clips = [clip for _, clip in project.timeline.clips()]
    recipes = [c.take.metadata[NAMESPACE]["recipe"] for c in clips]
    assert [r["model_id"] for r in recipes] == ["wan-flf2v-tiny", "wan-i2v-tiny"]
    assert recipes[0]["inputs"]["last_image"] == file_sha256(pictures[1])


def test_loop_uses_the_first_image_as_the_last_frame(tiny_models, pictures, tmp_path):
    tiny_models.install("wan-i2v")
    tiny_models.install("wan-flf2v")
    project = Project.create(tmp_path / "p", rate=16, width=32, height=32, session=False)
    edit = image_to_video_clip(project, pictures[0], "waves, seamless", 0.25, InProcessGenerator(), loop=True,
                               seed=5)
    edit.apply(project.timeline)
    _, clip = project.timeline.clips()[0]
    meta = clip.take.metadata[NAMESPACE]
    digest = file_sha256(pictures[0])
    assert meta["loop"] is True and meta["recipe"]["model_id"] == "wan-flf2v-tiny"
    assert meta["recipe"]["inputs"] == {"image": digest, "last_image": digest} and clip.duration == 5
    with pytest.raises(BadInput, match="either a last frame or loop"):
        image_to_video_clip(project, pictures[0], "x", 0.25, InProcessGenerator(), loop=True, last_image=pictures[1])
