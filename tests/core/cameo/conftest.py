"""Synthetic enrollment clips, built once per session (256x256, 15 fps) and shared by the cameo tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import keyring
import numpy as np
import pytest
from keyring.backend import KeyringBackend

from sora_studio.core.cameo import synthetic as syn
from sora_studio.core.media.encode import write_clip

PHRASE = "the silver tiger carries five lanterns"
WRONG_PHRASE = "the golden castle opens two apples"
TURNS = ("left", "up")


@dataclass
class Clips:
    folder: Path
    genuine: Path  # left, up, blink, PHRASE spoken on camera (sound in the video)
    speech: np.ndarray  # PHRASE alone, 16 kHz
    frames: np.ndarray  # the genuine clip's frames, before encoding
    flat: Path
    frozen: Path
    dark: Path
    no_face: Path
    two_faces: Path
    dubbed: Path  # turns and blink, but a still mouth while PHRASE plays
    pet: Path


@pytest.fixture(scope="session")
def mesh() -> syn.FaceMesh:
    return syn.FaceMesh.from_image(syn.astronaut_face())


@pytest.fixture(scope="session")
def clips(tmp_path_factory, mesh) -> Clips:
    folder = tmp_path_factory.mktemp("cameo-clips")
    spec = syn.ClipSpec(challenges=TURNS)
    speech = syn.espeak_speech(PHRASE)
    frames = syn.render_clip(mesh, spec, speech=speech)
    track = syn.clip_audio(len(frames), spec.fps, speech)[None]

    def write(name: str, video: np.ndarray, audio: np.ndarray | None = track) -> Path:
        return write_clip(folder / f"{name}.mp4", video, spec.fps, audio=audio, sample_rate=16000, crf=23)

    still_mouth = syn.render_clip(mesh, spec)
    rng = np.random.default_rng(5)
    pad = np.repeat(still_mouth[-1:], len(frames) - len(still_mouth), axis=0)
    pad = np.clip(pad + rng.normal(0, 2, pad.shape), 0, 255).astype(np.uint8)
    wall = np.clip(rng.normal(150, 3, (len(frames) // 2, 256, 256, 3)), 0, 255).astype(np.uint8)
    side = np.stack([np.hstack([f, f[:, ::-1]]) for f in frames[:45]])
    pet = syn.astronaut_face()  # an "object" clip: any footage of the thing, panned slightly
    pet_frames = np.stack([np.roll(pet, k, axis=1) for k in range(0, 30, 2)])
    return Clips(
        folder=folder,
        genuine=write("genuine", frames),
        speech=speech,
        frames=frames,
        flat=write("flat", syn.render_clip(mesh, spec, flat=True), None),
        frozen=write("frozen", syn.frozen_clip(frames), None),
        dark=write("dark", (frames.astype(np.float32) * 0.06).astype(np.uint8), None),
        no_face=write("no_face", wall, None),
        two_faces=write("two_faces", side, None),
        dubbed=write("dubbed", np.concatenate([still_mouth, pad]), track),
        pet=write("pet", pet_frames, None),
    )


class _NotAutoSelected:
    """keyring auto-selects every KeyringBackend subclass with a readable priority; this one must not be."""

    def __get__(self, obj, cls):
        raise RuntimeError("selected explicitly by the memory_keyring fixture only")


class MemoryKeyring(KeyringBackend):
    """A keyring backend kept in memory: stands in for the OS keyring service this machine lacks."""

    priority = _NotAutoSelected()

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def png_bytes(seed: int = 0) -> bytes:
    image = np.random.default_rng(seed).integers(0, 255, (32, 32, 3), dtype=np.uint8)
    return cv2.imencode(".png", image)[1].tobytes()


@dataclass
class Studio:
    store: object
    alice: object
    bob: object
    carol: object
    cameo: object


@pytest.fixture
def studio():
    """A store in this test's studio home: profiles Alice (owner), Bob and Carol, and Alice's cameo 'alice'."""
    from sora_studio.core.cameo.store import CameoStore

    store = CameoStore()
    alice, bob = store.profiles.create("Alice"), store.profiles.create("Bob")
    carol = store.profiles.create("Carol", kind="minor")
    media = {"front": png_bytes(1), "left": png_bytes(2), "voice": b"RIFF....WAVEfmt "}
    facts = {"capture": "recorded", "challenges": ["left"], "phrase": PHRASE, "verified": ["test"]}
    cameo = store.add(alice, "alice", "person", facts, media)
    yield Studio(store, alice, bob, carol, cameo)
    store.close()
