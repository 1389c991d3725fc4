"""Storyboard model and files: parsing, validation with line numbers, editing, round trip (no models run)."""

import pytest

from sora_studio.core.resources import resource_path
from sora_studio.core.storyboard import hooks
from sora_studio.core.storyboard.model import Shot, Storyboard, parse_cameo_mentions
from sora_studio.core.storyboard.plan import plan_storyboard
from sora_studio.core.storyboard.toml_io import dumps_storyboard, load_storyboard, loads_storyboard
from sora_studio.errors import BadInput, Refused

GOOD = """\
title = "test"

[settings]
aspect = "9:16"
resolution = 32
fps = 16

[[shot]]
id = "a"
prompt = "a cat on a wall"
seconds = 0.5

[[shot]]
id = "b"
prompt = "the cat jumps down"
seconds = 0.5
transition = "continue"
"""


def _png(path):
    from PIL import Image

    Image.new("RGB", (8, 8), (90, 120, 200)).save(path)


def _error(text: str, tmp_path, plan: bool = False) -> str:
    path = tmp_path / "board.toml"
    path.write_text(text)
    with pytest.raises(BadInput) as info:
        storyboard, source = load_storyboard(path)
        if plan:
            try:
                plan_storyboard(storyboard)
            except BadInput as exc:
                raise source.locate(exc) from None
    return str(info.value)


def test_storyboard_example_file_parses():
    storyboard, source = load_storyboard(resource_path("storyboards", "example.toml"))
    assert [s.id for s in storyboard.shots] == ["approach", "lamp", "keeper"]
    assert [s.transition for s in storyboard.shots] == ["cut", "continue", "cut"]
    assert storyboard.shots[2].dialogue[0].speaker == "Keeper"
    assert storyboard.shots[0].seed_locked and not storyboard.shots[1].seed_locked
    assert source.line("lamp", "transition") == 35


def test_storyboard_good_file_settings_and_size(tmp_path):
    storyboard, _ = loads_storyboard(GOOD)
    assert storyboard.settings.size() == (32, 57)  # 9:16 with a 32 px short side
    assert storyboard.total_seconds == 1.0


@pytest.mark.parametrize("replace, expected", [
    (('seconds = 0.5\ntransition', 'seconds = -1\ntransition'), "board.toml:16:"),   # negative duration, shot b
    (('seconds = 0.5\n\n', 'seconds = 0\n\n'), "board.toml:11:"),                     # zero duration, shot a
    (('seconds = 0.5\n\n', 'seconds = 0.5\ncamera = "sideways"\n\n'), "board.toml:12:"),
    (('fps = 16', 'fps = 16\nfrobnicate = 1'), "board.toml:7:"),                     # unknown setting
    (('aspect = "9:16"', 'aspect = "4:3"'), "board.toml:4:"),
    (('transition = "continue"', 'transition = "dissolve"'), "board.toml:17:"),
    (('id = "a"\n', 'id = "a"\nimage = "missing.png"\n'), "board.toml:10:"),         # missing image file
    (('id = "a"\n', 'id = "a"\nvariations = 3\n'), "board.toml:10:"),
    (('id = "a"\n', 'id = "a"\nimage = "board.toml"\n'), "board.toml:10:"),     # not an image
])
def test_storyboard_semantic_errors_name_the_line(tmp_path, replace, expected):
    old, new = replace
    assert old in GOOD
    message = _error(GOOD.replace(old, new, 1), tmp_path)
    assert message.startswith(expected), message


def test_storyboard_syntax_error_has_line(tmp_path):
    message = _error(GOOD.replace('prompt = "the cat jumps down"', 'prompt = "the cat'), tmp_path)
    assert "board.toml:15:" in message and "syntax" in message


def test_storyboard_first_shot_cannot_continue(tmp_path):
    message = _error(GOOD.replace('seconds = 0.5\n\n', 'seconds = 0.5\ntransition = "continue"\n\n'), tmp_path)
    assert message.startswith("board.toml:12:") and "cannot continue" in message


def test_storyboard_total_over_limit(tmp_path):
    message = _error(GOOD.replace("fps = 16", "fps = 16\nmax_seconds = 0.75"), tmp_path)
    assert "over its limit" in message


def test_storyboard_plan_errors_name_the_line(tmp_path):
    # unknown style in a shot
    message = _error(GOOD.replace('id = "b"', 'id = "b"\nstyle = "vaporwave"'), tmp_path, plan=True)
    assert message.startswith("board.toml:15:") and "unknown style 'vaporwave'" in message and "noir" in message
    # longer than the tiny model can make in one shot (33 frames at 16 fps)
    message = _error(GOOD.replace("seconds = 0.5\n\n", "seconds = 9\n\n"), tmp_path, plan=True)
    assert message.startswith("board.toml:11:") and "split it" in message
    # first+last frame on a model line without a first+last frame model (LTX-2)
    _png(tmp_path / "f.png")
    message = _error(GOOD.replace('id = "a"\n', 'id = "a"\nimage = "f.png"\nlast_image = "f.png"\n')
                     .replace("fps = 16\n", 'fps = 16\nmodel = "ltx2-tiny"\n'), tmp_path, plan=True)
    assert message.startswith("board.toml:12:") and "first and a last frame" in message


def test_storyboard_cameo_mentions_go_through_the_real_consent_check(tmp_path, cameo_studio, tiny_models):
    """@name is checked at plan time against the cameo store with the requester's permissions, located to its line."""
    board = tmp_path / "board.toml"
    cameo_board = GOOD.replace('fps = 16\n', 'fps = 16\nmodel = "wan-vace-tiny"\n')
    tiny_models.install("wan-vace")
    storyboard, _ = loads_storyboard(cameo_board.replace("a cat on a wall", "@alice waves, mail x@y.z"))
    assert storyboard.shots[0].cameos == ["alice"]
    plans = plan_storyboard(storyboard)  # Alice (the active profile) may use her own cameo
    assert "@alice" in plans[0].requests[0].prompt  # resolved to "the person" by the generation check
    # unknown cameo: refused (exit 3) and located on the shot's prompt line
    board.write_text(cameo_board.replace("a cat on a wall", "@bob sits on a wall"))
    storyboard, source = load_storyboard(board)
    with pytest.raises(Refused) as info:
        try:
            plan_storyboard(storyboard)
        except Refused as exc:
            raise source.locate(exc) from None
    assert str(info.value).startswith("board.toml:11:") and "unknown cameo 'bob'" in str(info.value)
    # a revoked cameo is refused the same way, before any worker starts
    from sora_studio.core.cameo.permissions import revoke

    revoke(cameo_studio.store, "alice", cameo_studio.alice.id)
    storyboard, _ = loads_storyboard(cameo_board.replace("a cat on a wall", "@alice waves"))
    with pytest.raises(Refused, match="revoked"):
        plan_storyboard(storyboard)
    # a text-to-video model cannot show a cameo: the error names the models that can
    storyboard, _ = loads_storyboard(GOOD.replace("a cat on a wall", "@alice waves"))
    with pytest.raises(Refused, match="wan2.1-vace-1.3b"):
        plan_storyboard(storyboard)


def test_storyboard_mentions():
    assert parse_cameo_mentions("@a and @b, again @a; not me@host.org") == ["a", "b"]


def test_storyboard_edit_reorder_and_refuse():
    board = Storyboard([Shot("one", id="s1"), Shot("two", id="s2"), Shot("three", id="s3")])
    events = []
    board.changed.connect(lambda *a: events.append(a))
    board.move("s3", 0)
    assert [s.id for s in board.shots] == ["s3", "s1", "s2"]
    board.remove("s1")
    board.add(Shot("four", id="s4"), index=1)
    assert [s.id for s in board.shots] == ["s3", "s4", "s2"]
    with pytest.raises(BadInput, match="positive"):
        board.update("s4", seconds=0)
    assert board.shot("s4").seconds == 3.0  # nothing lost
    board.update("s4", seconds=2.5, camera="orbit")
    assert board.shot("s4").camera == "orbit" and len(events) == 4


def test_storyboard_round_trip(tmp_path):
    storyboard, _ = load_storyboard(resource_path("storyboards", "example.toml"))
    again, _ = loads_storyboard(dumps_storyboard(storyboard))
    assert again.to_dict() == storyboard.to_dict()


def test_storyboard_person_image_hook_is_called(tmp_path):
    from sora_studio.errors import Refused

    _png(tmp_path / "face.png")
    path = tmp_path / "board.toml"
    path.write_text(GOOD.replace('id = "a"\n', 'id = "a"\nimage = "face.png"\n'))
    storyboard, _ = load_storyboard(path)
    checked = []

    def checker(image):
        checked.append(image)
        raise Refused("this image shows a person who has not enrolled as a cameo")

    hooks.set_person_image_checker(checker)
    try:
        with pytest.raises(Refused, match="not enrolled"):
            plan_storyboard(storyboard)
    finally:
        hooks.set_person_image_checker(None)
    assert checked == [str((tmp_path / "face.png").resolve())]
