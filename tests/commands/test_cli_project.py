"""`sora-studio new/info` and `timeline export/import`: output, --json and the exit-code contract."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sora_studio.cli import main
from sora_studio.core.media.encode import write_clip
from sora_studio.core.project.bundle import Project, clips_for_media
from sora_studio.core.timeline import edits

DATA = Path(__file__).resolve().parents[1] / "data" / "interchange"


def run_json(capsys, *argv):
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else None)


@pytest.fixture
def filled_project(tmp_path):
    frames = np.zeros((12, 32, 32, 3), dtype=np.uint8)
    write_clip(tmp_path / "shot.mp4", frames, 24, audio=np.zeros((2, 24000), dtype=np.float32))
    project = Project.create(tmp_path / "Film", session=False)
    item = project.import_media(tmp_path / "shot.mp4", copy=True)
    (video_kind, video), (_, audio) = clips_for_media(item, project.timeline.rate)
    v1, a1 = project.timeline.tracks[0].id, project.timeline.tracks[1].id
    edits.AppendClip(v1, video, also=[(a1, audio)]).apply(project.timeline)
    edits.AddMarker(6, "mid").apply(project.timeline)
    project.save()
    return project


def test_new_appends_suffix_and_info_describes_it(tmp_path, capsys):
    code, data = run_json(capsys, "new", str(tmp_path / "My Film"), "--rate", "25", "--size", "1280x720")
    assert code == 0 and data["path"].endswith("My Film.sorastudio")
    code, info = run_json(capsys, "info", str(tmp_path / "My Film.sorastudio"))
    assert code == 0
    assert info["name"] == "My Film" and info["rate"] == "25/1" and (info["width"], info["height"]) == (1280, 720)
    assert info["tracks"] == {"video": 1, "audio": 1} and info["clips"] == 0
    assert info["duration"] == {"frames": 0, "seconds": 0.0, "timecode": "00:00:00:00"}


def test_info_human_text_counts_clips_and_missing_media(filled_project, capsys):
    (filled_project.path / "media" / "shot.mp4").unlink()
    assert main(["info", str(filled_project.path)]) == 0
    out = capsys.readouterr().out
    assert "2 clips, 1 markers" in out and "00:00:00:12 (0.500 s)" in out
    assert "1 items, 1 missing" in out and "missing: media/shot.mp4" in out


def test_bad_input_exits_2_with_one_line_reason(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no project folder" in err
    (tmp_path / "taken.sorastudio").mkdir()
    (tmp_path / "taken.sorastudio" / "x").write_text("x")
    assert main(["new", str(tmp_path / "taken")]) == 2
    assert main(["new", str(tmp_path / "ok"), "--size", "huge"]) == 2
    assert main(["new", str(tmp_path / "ok2"), "--rate", "fast"]) == 2
    capsys.readouterr()


@pytest.mark.parametrize("fmt, suffix", [("otio", ".otio"), ("fcp7", ".xml"), ("fcpxml", ".fcpxml"), ("edl", ".edl")])
def test_export_every_format(filled_project, tmp_path, capsys, fmt, suffix):
    out = tmp_path / f"cut{suffix}"
    code, data = run_json(capsys, "timeline", "export", str(filled_project.path), str(out), "--format", fmt)
    assert code == 0 and data["format"] == fmt and out.is_file() and data["clips"] == 2
    if fmt == "edl":
        assert any("audio" in w for w in data["warnings"])
    if fmt in ("fcp7", "fcpxml", "edl"):
        assert (filled_project.path / "media" / "shot.mp4").resolve().as_uri() in out.read_text() or fmt == "edl"


def test_export_then_import_into_a_new_project(filled_project, tmp_path, capsys):
    out = tmp_path / "cut.otio"
    assert main(["timeline", "export", str(filled_project.path), str(out)]) == 0
    capsys.readouterr()
    code, data = run_json(capsys, "timeline", "import", str(out), str(tmp_path / "Copy"))
    assert code == 0 and data["created"] and data["clips"] == 2
    copy = Project.open(tmp_path / "Copy.sorastudio", session=False)
    assert [(c.name, c.start, c.duration) for _, c in copy.timeline.clips()] == [
        (c.name, c.start, c.duration) for _, c in filled_project.timeline.clips()
    ]
    # the media was bundle-relative in the source project: it is missing in the copy until relinked
    assert all(t.missing for _, c in copy.timeline.clips() for t in c.takes.values())


def test_import_hand_written_edl_into_existing_project(tmp_path, capsys):
    assert main(["new", str(tmp_path / "Edl")]) == 0
    capsys.readouterr()
    code, data = run_json(capsys, "timeline", "import", str(DATA / "hand_cut.edl"), str(tmp_path / "Edl.sorastudio"))
    assert code == 0 and data["clips"] == 3 and not data["created"]
    assert any("outside the project" in w for w in data["warnings"])
    assert not (tmp_path / "Edl.sorastudio" / ".session.json").exists()
    code, info = run_json(capsys, "info", str(tmp_path / "Edl.sorastudio"))
    # the three media files of the EDL joined the media list, all missing (relinkable)
    assert info["media"]["count"] == 3 and len(info["media"]["missing"]) == 3
    assert {m["url"] for m in info["media"]["missing"]} == {"/absent/footage/shot a.mov", "media/shot_b.mov", "media/shot d.mov"}


def test_import_refuses_a_rate_mismatch_and_keeps_the_project(tmp_path, capsys):
    assert main(["new", str(tmp_path / "P25"), "--rate", "25"]) == 0
    capsys.readouterr()
    assert main(["timeline", "import", str(DATA / "hand_sequence_fcp7.xml"), str(tmp_path / "P25.sorastudio")]) == 0
    capsys.readouterr()
    assert main(["new", str(tmp_path / "P24"), "--rate", "24"]) == 0
    capsys.readouterr()
    before = (tmp_path / "P24.sorastudio" / "timeline.otio").read_bytes()
    assert main(["timeline", "import", str(DATA / "hand_sequence_fcp7.xml"), str(tmp_path / "P24.sorastudio")]) == 2
    assert "25 fps but the project is at 24 fps" in capsys.readouterr().err
    assert (tmp_path / "P24.sorastudio" / "timeline.otio").read_bytes() == before


def test_import_of_a_corrupt_file_is_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text("<xmeml><sequence><oops></xmeml>")
    assert main(["timeline", "import", str(bad), str(tmp_path / "New")]) == 2
    assert "could not read bad.xml" in capsys.readouterr().err
    assert not (tmp_path / "New.sorastudio").exists()


def test_entry_point_exit_codes(tmp_path):
    exe = shutil.which("sora-studio")
    cmd = [exe] if exe else [sys.executable, "-m", "sora_studio"]
    ok = subprocess.run([*cmd, "new", str(tmp_path / "Proc")], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([*cmd, "info", str(tmp_path / "absent")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no project folder" in bad.stderr
