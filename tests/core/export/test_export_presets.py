"""Export presets come from the TOML data files; names combine format, frame rate and quality."""

from fractions import Fraction

import pytest

from sora_studio.core.export.presets import get_preset, load_presets
from sora_studio.errors import BadInput


def test_shipped_formats_rates_and_qualities():
    presets = load_presets()
    sizes = {(p.width, p.height) for p in presets.values()}
    assert sizes == {(1920, 1080), (1280, 720), (1080, 1920), (1080, 1080)}
    assert {p.fps for p in presets.values()} == {Fraction(24), Fraction(25), Fraction(30)}
    assert {p.quality for p in presets.values()} == {"draft", "standard", "high"}
    assert len(presets) == 4 * 3 * 3


def test_names_and_defaults():
    p = get_preset("1080p")
    assert (p.name, p.width, p.height, p.fps, p.quality) == ("1080p30-standard", 1920, 1080, 30, "standard")
    assert get_preset("720p25").fps == 25
    high, draft = get_preset("vertical24-high"), get_preset("vertical24-draft")
    assert (high.width, high.height) == (1080, 1920)
    assert high.crf < draft.crf  # higher quality, lower CRF
    assert get_preset("SQUARE").aspect == "1:1"


@pytest.mark.parametrize("name", ["4k", "1080p60", "1080p-ultra", "", "../../etc/passwd"])
def test_unknown_names_are_bad_input(name):
    with pytest.raises(BadInput):
        get_preset(name)


def test_malformed_preset_folder(tmp_path):
    (tmp_path / "quality.toml").write_text('kind = "quality"\n[levels.draft]\ncrf = 30\nx264_preset = "ultrafast"\n')
    (tmp_path / "odd.toml").write_text('kind = "format"\nname = "odd"\nwidth = 101\nheight = 100\nfps = [24]\ndefault_fps = 24\n')
    with pytest.raises(BadInput, match="even"):
        get_preset("odd", folder=tmp_path)
    (tmp_path / "odd.toml").write_text("kind = = broken")
    with pytest.raises(BadInput, match="unreadable"):
        load_presets(folder=tmp_path / ".")
