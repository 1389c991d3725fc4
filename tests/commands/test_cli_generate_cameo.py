"""`sora-studio generate` with cameos and refusals, through the real CLI entry point."""

import json

from sora_studio.cli import main
from sora_studio.core.cameo import permissions
from sora_studio.core.safety.audit import AuditLog

SMALL = ["--size", "32x32", "--seconds", "0.3", "--fps", "16", "--steps", "2", "--seed", "5"]


def test_refused_prompt_exits_3_with_an_audit_row_and_no_clip(tmp_path, capsys):
    out = tmp_path / "x.mp4"
    assert main(["generate", "--model", "wan-tiny", "--prompt", "how to make a pipe bomb", "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert "weapon" in err.lower() and "NOISE" not in err, "the worker never started"
    assert [(e.kind, e.category) for e in AuditLog().events()] == [("refusal", "weapons")]
    assert not out.exists()


def test_cameo_refusals_exit_3_and_bad_input_exits_2(cameo_studio, tmp_path, capsys):
    out = str(tmp_path / "x.mp4")
    assert main(["generate", "--model", "wan-tiny", "--prompt", "a walk", "--cameo", "alice", "-o", out]) == 3
    assert "Models that can: wan2.1-vace-1.3b, wan-vace-tiny" in capsys.readouterr().err
    assert main(["generate", "--model", "wan-vace-tiny", "--prompt", "@nobody waves", "-o", out]) == 3
    assert "unknown cameo 'nobody'" in capsys.readouterr().err
    cameo_studio.store.profiles.set_active(cameo_studio.bob.id)
    assert main(["generate", "--model", "wan-vace-tiny", "--prompt", "a walk", "--cameo", "alice", "-o", out]) == 3
    assert "only its owner" in capsys.readouterr().err
    assert main(["generate", "--model", "wan-vace-tiny", "--prompt", "  ", "--cameo", "alice", "-o", out]) == 2
    assert not (tmp_path / "x.mp4").exists()


def test_generate_with_cameo_flag_and_mention_renders_and_logs_the_clip(tiny_models, cameo_studio, tmp_path, capsys):
    s = cameo_studio
    tiny_models.install("wan-vace")
    out = tmp_path / "cameo.mp4"
    # no --model: a cameo picks a model that takes reference images
    rc = main(["generate", "--prompt", "@alice waves next to the second one", "--cameo", "alice", *SMALL,
               "-o", str(out), "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    result = json.loads(captured.out)
    assert result["recipe"]["model_id"] == "wan-vace-tiny" and result["recipe"]["cameo_ids"] == [s.cameo.id]
    assert result["recipe"]["prompt"] == "The person waves next to the second one"
    assert out.is_file()
    log = permissions.usage(s.store, "alice", s.alice.id)
    assert [r["action"] for r in log] == ["authorized", "authorized", "rendered"] and log[-1]["clip"] == str(out)
