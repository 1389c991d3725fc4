"""Replay detection: looped, ping-pong and frozen replays, re-encoded with fresh noise, are refused with a
reason that names what was seen; genuine clips (heads returning to neutral between turns) are not."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sora_studio.core.cameo import synthetic as syn
from sora_studio.core.cameo.capture import Frame
from sora_studio.core.cameo.enroll import analyse_frames
from sora_studio.core.cameo.landmarks import FaceTracker
from sora_studio.core.cameo.replay import frame_signature, replay_check, self_distance

TURNS = ["left", "up"]  # the session clip's turns (conftest.TURNS)


def _analyse(frames: np.ndarray, challenges: list[str] = TURNS):
    return analyse_frames([Frame(i, i / 15, f) for i, f in enumerate(frames)], 15, challenges=challenges)


@pytest.fixture(scope="module")
def recorded(clips) -> tuple[np.ndarray, list[str]]:
    """The session's genuine clip as a recording an attacker holds (H.264, CRF 23), with its phases."""
    spec = syn.ClipSpec(challenges=tuple(TURNS))
    phases = [p for p, _ in syn.labelled_schedule(spec, syn.speech_envelope(clips.speech, 16000, spec.fps))]
    assert len(phases) == len(clips.frames)
    return syn.reencode(clips.frames, 15, crf=23), phases


def _replayed(recorded, kind: str, variant: str, crf: int = 26, noise: float = 2.0) -> np.ndarray:
    frames, phases = recorded
    return syn.reencode(syn.replay_attack(frames, phases, 15, kind, variant), 15, crf=crf, noise=noise,
                        gain=1.03, seed=4)


def test_reencoded_loop_is_refused_and_says_where_it_repeats(recorded):
    frames = _replayed(recorded, "looped", "blink")
    result = _analyse(frames)
    assert not result.passed
    loop = [r for r in result.reasons if "repeats" in r and "looped replay" in r]
    assert loop == result.reasons, result.reasons  # turns, blink and shape pass: only the replay check catches it
    original, again = (float(x) for x in re.search(r"from ([\d.]+) s is shown again at ([\d.]+) s", loop[0]).groups())
    start = recorded[1].index("blink") - 2  # where replay_attack cut the second it plays twice
    assert abs(original - start / 15) <= 0.2 and abs(again - (start + 15) / 15) <= 0.2, loop[0]
    assert result.liveness["metrics"]["loop_frames"] >= 8


def test_loop_of_speech_with_strong_compression_is_found(recorded):
    """The old exact-duplicate check missed this: every repeated frame differs from its original."""
    frames = _replayed(recorded, "looped", "speech", crf=28, noise=3.0)
    assert len(frames) > len(recorded[0])
    result = _analyse(frames)
    assert not result.passed and any("looped replay" in r for r in result.reasons), result.reasons


def test_pingpong_turn_is_refused(recorded):
    """A turn played out and then backwards fakes the return to the camera; the order of turns is right."""
    frames = _replayed(recorded, "pingpong", "turn")
    result = _analyse(frames)
    assert not result.passed
    assert len(result.reasons) == 1, result.reasons  # the turn order and the return to neutral look right
    assert "forward then backward" in result.reasons[0] and "ping-pong" in result.reasons[0]


def test_frozen_feed_with_fresh_noise_is_refused(recorded):
    frames = _replayed(recorded, "frozen", "still")
    assert not np.array_equal(frames[10], frames[11])  # the copies are not identical any more
    result = _analyse(frames)
    assert not result.passed
    assert any("looks frozen" in r and "stands still" in r for r in result.reasons), result.reasons


def test_every_frame_shown_twice_with_fresh_noise_is_refused(recorded):
    """A replay at half speed: the turn still happens, in order, but each frame repeats its predecessor."""
    frames, _ = recorded
    doubled = syn.reencode(syn.doubled_clip(frames[:40]), 15, crf=24, noise=2.0, seed=5)
    result = _analyse(doubled, ["left"])
    assert not result.passed
    assert any("frozen frame by frame" in r for r in result.reasons), result.reasons
    assert result.liveness["metrics"]["stutter_fraction"] >= 0.2


@pytest.mark.parametrize("spec", [
    syn.ClipSpec(challenges=("right", "down", "left"), amplitude=20, jitter=0.3, noise=1.0, seed=21,
                 start_s=1.0, ramp_s=0.3, hold_s=0.9, back_s=0.45, between_s=0.7, light_drift=0.1),
    syn.ClipSpec(challenges=("up", "left"), amplitude=28, jitter=0.5, noise=4.0, gain=0.7, seed=22,
                 ramp_s=0.55, hold_s=0.35, back_s=0.4, between_s=0.3, sway=1.2),
], ids=["slow-three-turns", "quick-dim-swaying"])
def test_genuine_clips_returning_to_neutral_pass(mesh, spec):
    frames = syn.reencode(syn.render_clip(mesh, spec), spec.fps, crf=23)
    result = _analyse(frames, list(spec.challenges))
    assert result.passed, result.reasons
    metrics = result.liveness["metrics"]
    assert metrics["loop_frames"] == 0 and metrics["pingpong_frames"] == 0 and metrics["still_fraction"] < 0.2


def test_self_similarity_of_a_returning_head(mesh):
    """The pose repeats (out and back) but no stretch of frames is a near copy of another."""
    spec = syn.ClipSpec(challenges=("left",), jitter=0.4, seed=3)
    frames = syn.reencode(syn.render_clip(mesh, spec), 15, crf=23)
    with FaceTracker(max_faces=1) as tracker:
        observations = [tracker.observe(f, i, i / 15) for i, f in enumerate(frames)]
    signatures = np.stack([frame_signature(f) for f in frames])
    reasons, metrics = replay_check(signatures, 15, observations)
    assert reasons == [] and metrics["loop_frames"] == 0
    # the turn's frames again, untouched (a replay without re-encoding): the same check finds it
    reasons, metrics = replay_check(np.concatenate([signatures, signatures[12:30]]), 15, observations + observations[12:30])
    assert any("repeats" in r for r in reasons) and metrics["loop_frames"] >= 15
    dist = self_distance(np.eye(3))
    assert dist.shape == (3, 3) and np.allclose(np.diag(dist), 0) and np.isclose(dist[0, 1], np.sqrt(2))
