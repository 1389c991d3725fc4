"""Test-wide environment: offscreen Qt, offline hubs, one BLAS thread, a private studio home per test."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest


@pytest.fixture(autouse=True)
def studio_home(tmp_path_factory, monkeypatch):
    """Each test gets its own SORA_STUDIO_HOME so user data (settings, stores, ledgers) never leaks."""
    home = tmp_path_factory.mktemp("studio-home")
    monkeypatch.setenv("SORA_STUDIO_HOME", str(home))
    return home


class _TinyModels:
    """Tiny random-weight pipelines built once per test session (by family, on first request)."""

    def __init__(self, root):
        self.root = root
        self.dirs = {}

    def path(self, family: str = "wan"):
        if family not in self.dirs:
            from sora_studio.core.models.tiny import build_tiny

            self.dirs[family] = build_tiny(self.root / family, family)
        return self.dirs[family]

    def install(self, family: str = "wan"):
        """Register the session's build as the built-in tiny model in the current test's studio home."""
        from sora_studio.core.models.install import import_folder
        from sora_studio.core.models.manifest import tiny_manifest_for_family

        return import_folder(tiny_manifest_for_family(family).id, self.path(family))


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Shared tiny model folders (engine helper): `tiny_models.install("wan")` registers wan-tiny."""
    return _TinyModels(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture
def cameo_studio(studio_home):
    """(generation integration helper) This test's cameo store with profiles Alice (adult, active), Bob
    (adult) and Carol (minor), and Alice's cameo 'alice' (mode only-me) whose face crops are the synthetic
    astronaut face used by the cameo tests. Yields a SimpleNamespace(store, alice, bob, carol, cameo, front)."""
    from types import SimpleNamespace

    import cv2

    from sora_studio.core.cameo import synthetic
    from sora_studio.core.cameo.store import CameoStore

    store = CameoStore()
    alice, bob = store.profiles.create("Alice"), store.profiles.create("Bob")
    carol = store.profiles.create("Carol", kind="minor")
    front = synthetic.astronaut_face(96)
    crops = {"front": front, "left": front[:, ::-1].copy()}
    media = {label: cv2.imencode(".png", img[:, :, ::-1])[1].tobytes() for label, img in crops.items()}
    facts = {"capture": "recorded", "challenges": ["left"], "phrase": "test", "verified": ["test fixture"]}
    cameo = store.add(alice, "alice", "person", facts, media)
    yield SimpleNamespace(store=store, alice=alice, bob=bob, carol=carol, cameo=cameo, front=front)
    store.close()
