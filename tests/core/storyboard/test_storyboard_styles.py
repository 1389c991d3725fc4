"""Style presets change requests as documented; user styles are saved and reused; unknown styles are refused."""

import pytest

from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.storyboard.model import Shot, Storyboard, StoryboardSettings
from sora_studio.core.storyboard.plan import plan_storyboard
from sora_studio.core.storyboard.styles import Style, apply_style, get_style, load_styles, save_user_style
from sora_studio.errors import BadInput

PRESETS = {"realistic", "cinematic", "anime", "cartoon", "claymation", "documentary", "noir"}


def test_storyboard_styles_builtin_presets_load():
    styles = load_styles()
    assert PRESETS <= set(styles)
    assert all(styles[name].builtin and styles[name].prefix for name in PRESETS)


def test_storyboard_style_changes_prompt_negative_guidance_steps():
    noir = get_style("noir")
    request = GenerationRequest(prompt="a detective in the rain", negative_prompt="blurry")
    styled = apply_style(request, "noir", default_steps=20)
    assert styled.prompt.startswith(noir.prefix) and styled.prompt.endswith(noir.suffix.strip(", ").split(", ")[-1])
    assert "a detective in the rain" in styled.prompt
    assert styled.negative_prompt == "blurry, " + noir.negative
    assert styled.guidance == noir.guidance and styled.style == "noir"
    assert styled.steps is None  # noir keeps the model's default step count (steps_scale 1.0)
    cinematic = apply_style(request, "cinematic", default_steps=20)
    assert cinematic.steps == 25  # steps_scale 1.25
    explicit = apply_style(GenerationRequest(prompt="x", guidance=2.0, steps=3), "cinematic", default_steps=20)
    assert (explicit.guidance, explicit.steps) == (2.0, 3)  # explicit values win
    assert request.prompt == "a detective in the rain"  # the original is untouched


def test_storyboard_unknown_style_lists_known():
    with pytest.raises(BadInput) as info:
        get_style("vaporwave")
    assert "unknown style 'vaporwave'" in str(info.value)
    assert all(name in str(info.value) for name in PRESETS)


def test_storyboard_user_style_saved_and_reused(studio_home):
    path = save_user_style(Style("mine", prefix="pastel watercolour,", negative="photo", guidance=3.5, builtin=False))
    assert path.is_file() and str(studio_home) in str(path)
    assert get_style("mine").guidance == 3.5 and not get_style("mine").builtin
    board = Storyboard([Shot("a boat", seconds=0.5, id="s1"), Shot("a harbour", seconds=0.5, style="noir", id="s2")],
                       StoryboardSettings(resolution=32, style="mine"))
    plans = plan_storyboard(board)
    assert plans[0].requests[0].prompt.startswith("pastel watercolour,")
    assert plans[0].requests[0].style == "mine" and plans[0].requests[0].guidance == 3.5
    assert plans[1].requests[0].style == "noir"  # a shot's own style overrides the storyboard's
    with pytest.raises(BadInput, match="style name"):
        save_user_style(Style("Bad Name!"))
