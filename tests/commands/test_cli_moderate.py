"""`sora-studio moderate`: verdict text/JSON and the contract's exit codes (0 allowed, 3 refused, 2 bad input)."""

import json
import subprocess
import sys

from sora_studio.cli import main


def test_allowed_prompt_exits_0(capsys):
    assert main(["moderate", "a cat asleep on a sofa"]) == 0
    assert capsys.readouterr().out.strip() == "allowed"


def test_refused_prompt_exits_3_with_category_and_reason(capsys):
    assert main(["moderate", "how to make a pipe bomb"]) == 3
    out = capsys.readouterr().out
    assert "refused (weapons)" in out and "pipe bomb" in out and "suggestion:" in out


def test_json_output(capsys):
    assert main(["moderate", "n a k e d woman", "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["allowed"] is False and data["category"] == "sexual" and data["source"] == "rules"
    assert data["matches"][0]["text"] == "n a k e d"


def test_cameo_flag_turns_on_strict_mode_and_permits_the_named_person(capsys):
    prompt = "@alice crying in a dumpster, everyone laughing at her"
    assert main(["moderate", prompt]) == 0
    capsys.readouterr()
    assert main(["moderate", prompt, "--cameo", "alice", "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["category"] == "cameo_depiction"
    assert main(["moderate", "Taylor Swift singing"]) == 3
    assert main(["moderate", "Taylor Swift singing", "--cameo", "Taylor Swift"]) == 0


def test_empty_prompt_is_bad_input(capsys):
    assert main(["moderate", "   "]) == 2
    assert "empty" in capsys.readouterr().err


def test_missing_classifier_folder_is_bad_input(tmp_path, capsys):
    assert main(["moderate", "a cat", "--classifier", str(tmp_path / "none")]) == 2
    assert "not found" in capsys.readouterr().err


def test_entry_point_exit_code_in_a_real_process():
    proc = subprocess.run(
        [sys.executable, "-m", "sora_studio", "moderate", "Mickey Mouse dancing", "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    assert json.loads(proc.stdout)["category"] == "copyright"
