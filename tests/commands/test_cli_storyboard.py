"""`sora-studio storyboard run|check|styles` end to end: the engine worker, a project, one exported MP4."""

import json
import os
import subprocess
import sys

import av

from sora_studio.core.project.bundle import Project
from sora_studio.core.provenance.verify import verify_file
from sora_studio.core.resources import resource_path
from sora_studio.core.timeline.model import NAMESPACE


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sora_studio", *args], capture_output=True, text=True,
                          env=dict(os.environ), cwd=cwd, timeout=300)


def test_cli_storyboard_run_example_into_project(tiny_models, tmp_path):
    tiny_models.install("wan")
    tiny_models.install("wan-i2v")
    tiny_models.install("stable-audio")
    out = tmp_path / "story.mp4"
    proc = _cli("storyboard", "run", str(resource_path("storyboards", "example.toml")), "-o", str(out),
                "--project", str(tmp_path / "shots"), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [c["shot_id"] for c in data["clips"]] == ["approach", "lamp", "keeper"]
    assert "NOISE" in proc.stderr  # the tiny-model warning
    with av.open(str(out)) as container:
        decoded = sum(1 for _ in container.decode(video=0))
        audio = container.streams.audio[0]
        assert (audio.codec_context.name, audio.rate, audio.channels) == ("aac", 48000, 2)
    # the sound pass: ambience from every shot's sound note, the keeper's line spoken
    assert data["audio"]["ambience"] == ["approach", "lamp"] and data["audio"]["dialogue_lines"] == 1
    # the film carries its provenance: signed Content Credentials (generated) and the export's trace mark
    report = verify_file(out)
    assert report["c2pa"]["state"] == "Trusted", report["c2pa"]
    assert report["c2pa"]["actions"][0]["digitalSourceType"].endswith("trainedAlgorithmicMedia")
    assert report["trace_mark"]["found"] and report["ledger"]["match"] == "sha256"
    assert decoded == sum(c["frames"] for c in data["clips"]) == data["export"]["frames"]
    project = Project.open(tmp_path / "shots", session=False)
    clips = project.timeline.video_tracks()[0].clips
    assert [c.metadata[NAMESPACE]["shot_id"] for c in clips] == ["approach", "lamp", "keeper"]
    assert clips[1].take.metadata[NAMESPACE]["recipe"]["model_id"] == "wan-i2v-tiny"
    assert project.metadata["storyboard"]["shots"][1]["transition"] == "continue"


def test_cli_storyboard_bad_file_exit_2_with_line(tmp_path):
    board = tmp_path / "bad.toml"
    board.write_text('[settings]\nfps = 16\n\n[[shot]]\nprompt = "a"\nseconds = -2\n')
    proc = _cli("storyboard", "run", str(board), "-o", str(tmp_path / "x.mp4"))
    assert proc.returncode == 2
    assert "bad.toml:6:" in proc.stderr and "positive" in proc.stderr
    assert not (tmp_path / "x.mp4").exists()
    proc = _cli("storyboard", "check", str(resource_path("storyboards", "example.toml")), "--json")
    assert proc.returncode == 0, proc.stderr
    assert [s["continues"] for s in json.loads(proc.stdout)["shots"]] == [False, True, False]
    proc = _cli("storyboard", "styles", "--json")
    assert {"noir", "anime", "claymation"} <= {s["name"] for s in json.loads(proc.stdout)["styles"]}
