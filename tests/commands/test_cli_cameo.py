"""`sora-studio cameo ...` end to end through the CLI entry point (exit codes 0 / 2 / 3, --json)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sora_studio.cli import main
from sora_studio.core.cameo import synthetic as syn
from sora_studio.core.media.encode import write_clip

PHRASE = "the blue mountain finds five feathers"


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-cameo")
    mesh = syn.FaceMesh.from_image(syn.astronaut_face())
    spec = syn.ClipSpec(challenges=("right", "down"), seed=3)
    speech = syn.espeak_speech(PHRASE)
    frames = syn.render_clip(mesh, spec, speech=speech)
    audio = syn.clip_audio(len(frames), spec.fps, speech)[None]
    wall = np.clip(np.random.default_rng(0).normal(120, 3, (20, 128, 128, 3)), 0, 255).astype(np.uint8)
    return {
        "genuine": write_clip(folder / "genuine.mp4", frames, spec.fps, audio=audio, sample_rate=16000, crf=23),
        "no_face": write_clip(folder / "wall.mp4", wall, 15),
    }


def run_json(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(["cameo", *argv, "--json"])
    captured = capsys.readouterr()
    try:
        data = json.loads(captured.out) if captured.out.strip() else None
    except ValueError:
        data = None
    return code, data, captured.err


def test_cameo_commands_end_to_end(videos, capsys, tmp_path):
    code, data, err = run_json(capsys, "enroll", "--name", "me", "--video", str(videos["genuine"]),
                               "--challenges", "right,down", "--phrase", PHRASE)
    assert code == 2 and "profile create" in err  # no profile yet

    assert run_json(capsys, "profile", "create", "Alice")[0] == 0
    code, data, _ = run_json(capsys, "profile", "create", "Bob", "--kind", "minor")
    bob_id = data["profile"]["id"]

    code, data, err = run_json(capsys, "enroll", "--name", "me", "--video", str(videos["genuine"]),
                               "--challenges", "right,down", "--phrase", PHRASE)
    assert code == 0, err
    assert data["enrolled"] and data["cameo"]["mode"] == "only-me" and data["capture"] == "recorded"
    assert data["speech"]["heard"] == PHRASE and set(data["crops"]) == {"front", "right", "down"}

    code, data, err = run_json(capsys, "enroll", "--name", "again", "--video", str(videos["genuine"]),
                               "--challenges", "down,right")
    assert code == 3 and "wrong order" in err
    code, data, err = run_json(capsys, "enroll", "--name", "wall", "--video", str(videos["no_face"]),
                               "--challenges", "left")
    assert code == 2 and "no face" in err

    code, data, _ = run_json(capsys, "list")
    assert [c["name"] for c in data["cameos"]] == ["me"] and data["cameos"][0]["owner_name"] == "Alice"

    code, data, _ = run_json(capsys, "grant", "me", "--to", "Bob")
    assert code == 0 and data["cameo"]["mode"] == "approved" and bob_id in data["approved"]
    from sora_studio.core.cameo import authorize_cameo_use

    refs = authorize_cameo_use(["me"], bob_id, job_id="job-1")
    assert refs[0].images[0].name == "front.png"
    refs[0].close()

    assert run_json(capsys, "revoke", "me")[0] == 0
    from sora_studio.errors import Refused

    with pytest.raises(Refused, match="revoked"):
        authorize_cameo_use(["me"], bob_id, job_id="job-2")
    code, data, _ = run_json(capsys, "grant", "me", "--mode", "everyone")
    assert data["cameo"]["mode"] == "everyone" and not data["cameo"]["revoked"]

    code, data, _ = run_json(capsys, "usage", "me")
    assert [(e["requester_name"], e["action"]) for e in data["usage"]] == [("Bob", "authorized"), ("Bob", "refused")]

    bundle, shot = _project_with_cameo_clip(tmp_path, _cameo_id(capsys))
    code, data, err = run_json(capsys, "delete", "me", "--project", str(bundle))
    assert code == 2 and "--clips" in err
    code, data, _ = run_json(capsys, "delete", "me", "--clips", "--project", str(bundle))
    assert code == 0 and len(data["media_removed"]) == 4  # three crops and the voice sample
    assert data["project_holes"] == {str(bundle): 1} and not shot.exists()
    from sora_studio.core.cameo.purge_clips import is_withdrawn
    from sora_studio.core.project.bundle import Project

    reopened = Project.open(bundle)
    assert is_withdrawn(reopened.timeline.video_tracks()[0].clips[0].take)
    reopened.close()
    code, data, _ = run_json(capsys, "list", "--all")
    assert data["cameos"][0]["deleted_at"] is not None


def _cameo_id(capsys) -> str:
    return run_json(capsys, "list")[1]["cameos"][0]["id"]


def _project_with_cameo_clip(tmp_path, cameo_id: str):
    """A project whose one clip was rendered with the cameo (its recipe sidecar names the cameo id)."""
    from fractions import Fraction

    from sora_studio.core.project.bundle import Project
    from sora_studio.core.project.media_items import clips_for_media
    from sora_studio.core.timeline.edits import OverwriteClip

    project = Project.create(tmp_path / "film.sorastudio", rate=12, width=64, height=48)
    shot = write_clip(project.media_dir / "shot.mp4", np.full((12, 48, 64, 3), 128, np.uint8), 12)
    (project.media_dir / "shot.mp4.recipe.json").write_text(json.dumps({"prompt": "@me waves", "cameo_ids": [cameo_id]}))
    (_, clip), = clips_for_media(project.import_media(shot), Fraction(12))
    OverwriteClip(project.timeline.video_tracks()[0].id, clip).apply(project.timeline)
    project.save()
    path = project.path
    project.close()
    return path, shot


def test_profile_cards_through_the_cli(capsys, tmp_path):
    assert run_json(capsys, "profile", "create", "Dana")[0] == 0
    card = tmp_path / "dana.json"
    assert run_json(capsys, "profile", "export-card", str(card))[0] == 0
    body = json.loads(card.read_text())
    body["name"] = "Mallory"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(body))
    code, _, err = run_json(capsys, "profile", "import-card", str(forged))
    assert code == 3 and "bad signature" in err
    code, _, err = run_json(capsys, "profile", "import-card", str(tmp_path / "missing.json"))
    assert code == 2


def test_challenge_and_bad_arguments(capsys):
    code, data, _ = run_json(capsys, "challenge", "--turns", "2")
    assert code == 0 and len(data["challenges"]) == 2 and len(data["phrase"].split()) == 6
    assert run_json(capsys, "grant", "nobody", "--mode", "everyone")[0] == 2  # no profile yet
    code, _, err = run_json(capsys, "enroll", "--name", "rex", "--video", "rex.mp4", "--kind", "pet")
    assert code == 2 and "--attest" in err
    with pytest.raises(SystemExit) as exc:
        main(["cameo", "grant", "x", "--mode", "friends"])
    assert exc.value.code == 2
