"""`sora-studio render`: a real project bundle rendered from the command line, JSON output, errors, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from sora_studio.cli import main
from sora_studio.core.media.probe import probe
from sora_studio.core.media.synth import write_index_video
from sora_studio.core.project.bundle import Project
from sora_studio.core.project.media_items import clips_for_media


def make_project(tmp_path, seconds_per_clip=1, clips=2):
    project = Project.create(tmp_path / "film.sorastudio", rate=24, width=1280, height=720, session=False)
    start = 0
    for i in range(clips):
        source = write_index_video(tmp_path / f"src{i}.mp4", 24 * seconds_per_clip, size=(128, 72), fps=24,
                                   color=(50 * i, 100, 150), audio_freq=300 + 100 * i)
        item = project.import_media(source, copy=True)
        for kind, clip in clips_for_media(item, project.timeline.rate, start=start):
            track = project.timeline.video_tracks()[0] if kind == "video" else project.timeline.audio_tracks()[0]
            track.clips.append(clip)
        start += 24 * seconds_per_clip
    project.save()
    return project.path


def test_render_project_with_json(tmp_path, capsys):
    bundle = make_project(tmp_path)
    out = tmp_path / "out" / "film.mp4"
    code = main(["render", str(bundle), "-o", str(out), "--preset", "720p24-draft", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["frames"] == 48 and result["width"] == 1280 and result["preset"] == "720p24-draft"
    assert "render: frame 48/48" in captured.err
    info = probe(out)
    assert (info.width, info.height, info.frame_rate, info.frame_count) == (1280, 720, Fraction(24), 48)
    assert (info.audio_codec, info.sample_rate) == ("aac", 48000)


def test_default_output_goes_to_renders(tmp_path, capsys):
    bundle = make_project(tmp_path, clips=1)
    assert main(["render", str(bundle), "--preset", "square24-draft"]) == 0
    outputs = list((bundle / "renders").glob("*.mp4"))
    assert len(outputs) == 1 and probe(outputs[0]).width == 1080
    assert "wrote" in capsys.readouterr().out


def test_bad_preset_and_missing_project_exit_2(tmp_path, capsys):
    bundle = make_project(tmp_path, clips=1)
    assert main(["render", str(bundle), "-o", str(tmp_path / "x.mp4"), "--preset", "8k"]) == 2
    assert "unknown export preset" in capsys.readouterr().err
    assert main(["render", str(tmp_path / "nowhere"), "-o", str(tmp_path / "x.mp4")]) == 2
    assert not (tmp_path / "x.mp4").exists()


def test_list_presets(capsys):
    assert main(["render", "unused", "--list-presets", "--json"]) == 0
    names = {p["name"] for p in json.loads(capsys.readouterr().out)["presets"]}
    assert {"1080p30-standard", "vertical24-high", "square25-draft"} <= names


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_cancels_and_removes_the_temp_file(tmp_path):
    bundle = make_project(tmp_path, seconds_per_clip=20, clips=1)
    out = tmp_path / "cancelled.mp4"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "sora_studio", "render", str(bundle), "-o", str(out),
                             "--preset", "1080p24-high"], stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.startswith("render: frame") and not line.startswith("render: frame 0/"):
            break
    assert line.startswith("render: frame"), line
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 130
    assert "cancelled" in rest
    assert [p.name for p in tmp_path.iterdir() if "cancelled" in p.name] == []
