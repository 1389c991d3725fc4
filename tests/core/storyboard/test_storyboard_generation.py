"""Multi-shot generation on the tiny Wan models (real diffusers pipelines, in process), timeline link,
continuity, variations, remix as an undoable take, extend, and the clear refusals."""

import av
import numpy as np
import pytest

from sora_studio.core.generation.backends import wan
from sora_studio.core.project.bundle import Project
from sora_studio.core.storyboard.clip_ops import extend_clip, image_to_video_clip, remix_clip
from sora_studio.core.storyboard.generator import InProcessGenerator, last_frame
from sora_studio.core.storyboard.model import Shot, Storyboard, StoryboardSettings
from sora_studio.core.storyboard.plan import plan_storyboard
from sora_studio.core.storyboard.run import export_project, generate_storyboard, generation_order, regenerate_shot
from sora_studio.core.storyboard.timeline_link import shot_id_of
from sora_studio.core.timeline.history import History
from sora_studio.core.timeline.model import NAMESPACE
from sora_studio.errors import BadInput


@pytest.fixture
def tiny(tiny_models):
    tiny_models.install("wan")
    tiny_models.install("wan-i2v")


@pytest.fixture
def captured_images(monkeypatch):
    """The conditioning image each image-to-video pipeline call receives (as uint8 arrays)."""
    seen = []
    original = wan.WanBackend.call_kwargs

    def capture(self, recipe, request):
        kwargs = original(self, recipe, request)
        if "image" in kwargs:
            seen.append(np.asarray(kwargs["image"]))
        return kwargs

    monkeypatch.setattr(wan.WanBackend, "call_kwargs", capture)
    return seen


def _board(**settings):
    shots = [
        Shot("a lighthouse at dusk", seconds=0.5, id="s1", seed=1),
        Shot("its lamp turns on", seconds=0.5, id="s2", transition="continue", seed=2),
        Shot("a keeper at the window", seconds=0.75, id="s3", seed=3),
    ]
    return Storyboard(shots, StoryboardSettings(aspect="1:1", resolution=32, fps=16, style="noir", **settings))


def _decoded_frames(path):
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_storyboard_three_shots_to_one_mp4_with_continuity(tiny, captured_images, tmp_path):
    project = Project.create(tmp_path / "p", rate=16, width=32, height=32, session=False)
    board = _board()
    # shots are grouped by model (fewer reloads) but a continuation waits for the shot it continues
    assert [p.shot.id for p in generation_order(plan_storyboard(board))] == ["s1", "s3", "s2"]
    assert [p.shot.id for p in generation_order(plan_storyboard(board), "wan-i2v-tiny")] == ["s1", "s3", "s2"]
    run = generate_storyboard(board, project, InProcessGenerator())
    assert [s.shot_id for s in run.shots] == ["s1", "s2", "s3"]
    clips = project.timeline.video_tracks()[0].clips
    assert [shot_id_of(c) for c in clips] == ["s1", "s2", "s3"]
    assert [c.start for c in clips] == [0, clips[0].end, clips[1].end]  # shot boundaries are clip edges
    assert [c.duration for c in clips] == [9, 9, 13]  # 0.5 s and 0.75 s at 16 fps, snapped to 4k+1 frames
    recipes = [c.take.metadata[NAMESPACE]["recipe"] for c in clips]
    assert [r["model_id"] for r in recipes] == ["wan-tiny", "wan-i2v-tiny", "wan-tiny"]
    assert all(r["style"] == "noir" and r["prompt"].startswith("black and white film noir") for r in recipes)
    # the continued shot was conditioned on exactly shot 1's last frame
    assert len(captured_images) == 1
    expected = last_frame(project.resolve(clips[0].take.url))
    assert np.array_equal(captured_images[0], expected)
    assert run.shots[1].conditioning_image is not None
    assert clips[1].take.metadata[NAMESPACE]["continues_from"]["parent_clip"] == clips[0].id
    # one MP4 whose length is the sum of the shots
    result = export_project(project, tmp_path / "out.mp4")
    frames = _decoded_frames(tmp_path / "out.mp4")
    assert len(frames) == sum(c.duration for c in clips) == result.frames == 31
    assert frames[0].shape == (32, 32, 3)
    # regenerating a shot adds a take to the same clip
    board.shots[2].seed = 99
    outcome = regenerate_shot(board, project, "s3", InProcessGenerator())
    assert outcome.clip_id == clips[2].id
    clip = project.timeline.find_clip(clips[2].id)[1]
    assert list(clip.takes) == ["take1", "take2"] and clip.active_take == "take2"
    project.timeline.check_invariants()


def test_storyboard_variations_remix_undo_extend(tiny, captured_images, tmp_path):
    project = Project.create(tmp_path / "p", rate=16, width=32, height=32, session=False)
    board = Storyboard([Shot("waves on rocks", seconds=0.5, id="w", variations=2, seed=5)],
                       StoryboardSettings(aspect="1:1", resolution=32, fps=16))
    history = History(project.timeline)
    generator = InProcessGenerator()
    generate_storyboard(board, project, generator, history=history)
    _, clip = project.timeline.clips()[0]
    assert list(clip.takes) == ["take1", "take2"] and clip.active_take == "take1"
    seeds = [t.metadata[NAMESPACE]["recipe"]["seed"] for t in clip.takes.values()]
    assert seeds == [5, 6]
    before = project.timeline.snapshot()

    edit = remix_clip(project, clip.id, "the same waves, but stormy", 0.6, generator, seed=11)
    history.do(edit)
    _, clip = project.timeline.find_clip(clip.id)
    assert clip.active_take == "remix1" and len(clip.takes) == 3
    meta = clip.take.metadata[NAMESPACE]
    assert meta["recipe"]["strength"] == 0.6 and meta["strength"] == 0.6
    assert meta["remix_of"]["parent_take"] == "take1" and len(meta["remix_of"]["parent_media_sha256"]) == 64
    assert meta["recipe"]["inputs"]["video"] == meta["remix_of"]["parent_media_sha256"]
    history.undo()
    assert project.timeline.snapshot() == before
    history.redo()

    with pytest.raises(BadInput, match="strength"):
        remix_clip(project, clip.id, "x", 0.0, generator)

    shown_last = _decoded_frames(project.resolve(project.timeline.find_clip(clip.id)[1].take.url))[-1]
    edit = extend_clip(project, clip.id, "the waves calm down", 0.5, generator, seed=3)
    history.do(edit)
    track = project.timeline.video_tracks()[0]
    assert len(track.clips) == 2 and track.clips[1].start == track.clips[0].end
    assert track.clips[1].metadata[NAMESPACE]["extends"] == clip.id
    assert np.array_equal(captured_images[-1], shown_last)


def test_storyboard_image_to_video_and_refusals(tiny, tmp_path):
    from PIL import Image

    project = Project.create(tmp_path / "p", rate=16, width=32, height=32, session=False)
    image = tmp_path / "first.png"
    Image.fromarray(np.full((32, 32, 3), 200, np.uint8)).save(image)
    generator = InProcessGenerator()
    # first+last frame and loops need a first+last frame model: the LTX-2 line has none
    with pytest.raises(BadInput, match="first and a last frame"):
        image_to_video_clip(project, image, "a still lake", 0.5, generator, model_id="ltx2-tiny", last_image=image)
    with pytest.raises(BadInput, match="loop"):
        image_to_video_clip(project, image, "a still lake", 0.5, generator, model_id="ltx2-tiny", loop=True)
    with pytest.raises(BadInput, match="does not exist"):
        image_to_video_clip(project, tmp_path / "nope.png", "a still lake", 0.5, generator)
    assert project.timeline.duration == 0  # nothing was placed by the refusals
    edit = image_to_video_clip(project, image, "a still lake", 0.5, generator, seed=1)
    edit.apply(project.timeline)
    _, clip = project.timeline.clips()[0]
    assert clip.take.metadata[NAMESPACE]["recipe"]["model_id"] == "wan-i2v-tiny" and clip.duration == 9
