"""The live face guide and challenge tracker on real MediaPipe observations of synthetic frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from sora_studio.core.cameo import synthetic as syn
from sora_studio.core.cameo.landmarks import FaceTracker
from sora_studio.core.cameo.live_guide import ChallengeTracker, challenge_steps, face_guide


@pytest.fixture(scope="module")
def face():
    return syn.astronaut_face(160)


def _guide(frame):
    with FaceTracker(max_faces=2) as tracker:
        obs = tracker.observe(frame, 0, 0.0)
    return face_guide(obs, frame.shape[1], frame.shape[0])


def test_guide_hints(face):
    assert _guide(face).ok and _guide(face).faces == 1
    assert "more light" in _guide((face * 0.08).astype(np.uint8)).hint
    assert "only one face" in _guide(np.hstack([face, face])).hint
    assert "no face" in _guide(np.full((160, 160, 3), 128, np.uint8)).hint
    far = np.full((480, 480, 3), 120, np.uint8)
    far[170:330, 160:320] = face  # centred, but a third of the frame's width
    assert "move closer" in _guide(far).hint
    aside = np.full((320, 480, 3), 120, np.uint8)
    aside[10:310, 0:300] = cv2.resize(face, (300, 300))  # large enough, but at the left edge
    assert "centre your face" in _guide(aside).hint and not _guide(aside).ok


def test_tracker_follows_the_order_and_flags_a_wrong_turn():
    mesh = syn.FaceMesh.from_image(syn.astronaut_face(160))
    frames = syn.render_clip(mesh, syn.ClipSpec(challenges=("right", "down"), fps=12))
    right, wrong = ChallengeTracker(["right", "down"], 12), ChallengeTracker(["down", "right"], 12)
    with FaceTracker() as tracker:
        for i, frame in enumerate(frames):
            obs = tracker.observe(frame, i, i / 12)
            good, bad = right.update(obs), wrong.update(obs)
    assert good.complete and good.done == len(challenge_steps(["right", "down"])) and good.warning == ""
    assert not bad.complete and "start again" in bad.warning and bad.done == 1
