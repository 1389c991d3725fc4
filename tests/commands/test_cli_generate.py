"""`sora-studio generate` and `models` through the real CLI entry point (generate spawns the worker)."""

import json

import av

from sora_studio.cli import main


def test_generate_json_prints_result_with_recipe(tiny_models, tmp_path, capsys):
    tiny_models.install("wan")
    out = tmp_path / "clip.mp4"
    rc = main(["generate", "--prompt", "a lighthouse at dusk", "--size", "72x64", "--seconds", "0.5", "--seed", "9",
               "--steps", "2", "-o", str(out), "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    result = json.loads(captured.out)
    assert result["media"] == str(out) and out.is_file()
    recipe = result["recipe"]
    assert (recipe["prompt"], recipe["seed"], recipe["num_inference_steps"]) == ("a lighthouse at dusk", 9, 2)
    assert (recipe["width"], recipe["height"], recipe["num_frames"]) == (64, 64, 9)
    assert "NOISE" in captured.err and "rounded to 64x64" in captured.err
    with av.open(str(out)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 9


def test_generate_bad_input_exits_2_without_starting_anything(tmp_path, capsys):
    assert main(["generate", "--prompt", " ", "-o", str(tmp_path / "x.mp4")]) == 2
    assert "prompt is empty" in capsys.readouterr().err
    assert main(["generate", "--model", "nope", "--prompt", "x", "-o", str(tmp_path / "x.mp4")]) == 2
    assert main(["generate", "--prompt", "x", "--size", "big", "-o", str(tmp_path / "x.mp4")]) == 2
    missing = str(tmp_path / "missing.mp4")
    assert main(["generate", "--prompt", "x", "--remix", missing, "-o", str(tmp_path / "x.mp4")]) == 2
    assert not (tmp_path / "x.mp4").exists()


def test_models_list_make_tiny_and_import(tmp_path, capsys):
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert not rows["wan2.1-t2v-1.3b"]["installed"] and rows["ltx-2"]["licence_flags"]
    assert main(["models", "list"]) == 0
    assert "produces noise" in capsys.readouterr().out
    assert main(["models", "make-tiny", str(tmp_path / "tw"), "--family", "wan", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["produces_noise"] and (tmp_path / "tw" / "model_index.json").is_file()
    assert main(["models", "import", "wan-tiny", str(tmp_path / "tw")]) == 0
    (tmp_path / "tw" / "evil.pt").write_bytes(b"x")
    assert main(["models", "import", "wan-tiny", str(tmp_path / "tw")]) == 2
    assert "pickled weights" in capsys.readouterr().err
    assert main(["models", "pull", "ltx-2"]) == 3  # licence not accepted


def test_generate_loop_ends_on_its_first_frame_through_the_flf2v_model(tiny_models, tmp_path, capsys):
    import numpy as np
    from PIL import Image

    tiny_models.install("wan-flf2v")
    still = tmp_path / "harbour.png"
    Image.fromarray(np.full((64, 64, 3), (40, 90, 160), np.uint8)).save(still)
    out = tmp_path / "loop.mp4"
    assert main(["generate", "--prompt", "waves", "--loop", "--last-image", str(still), "--image", str(still),
                 "-o", str(out)]) == 2
    assert "either --loop or --last-image" in capsys.readouterr().err
    assert main(["generate", "--prompt", "waves", "--loop", "-o", str(out)]) == 2
    assert "add --image" in capsys.readouterr().err
    rc = main(["generate", "--prompt", "waves on a harbour wall", "--image", str(still), "--loop", "--size", "64x64",
               "--seconds", "0.5", "--steps", "2", "--seed", "3", "-o", str(out), "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    recipe = json.loads(captured.out)["recipe"]
    assert recipe["model_id"] == "wan-flf2v-tiny"
    assert recipe["inputs"]["image"] == recipe["inputs"]["last_image"]  # the loop's last frame is its first
    assert out.is_file()
