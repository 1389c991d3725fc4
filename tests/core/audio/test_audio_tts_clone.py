"""Voice cloning: SpeechT5 + HiFi-GAN + a WavLM x-vector, tiny random-weight twins built offline and loaded through
from_pretrained; a cameo speaker's enrolled voice reaches the cloning backend only through the permission gate."""

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from sora_studio.core.audio.dialogue import place_dialogue, speak_lines
from sora_studio.core.audio.tts import TTSRequest, get_backend
from sora_studio.core.audio.tts.neural import import_voice, install_voice, tts_manifests
from sora_studio.core.audio.tts.speecht5 import MAX_FRAMES_PER_TOKEN, MIN_FRAMES_PER_TOKEN
from sora_studio.core.cameo import permissions
from sora_studio.core.cameo.store import CameoStore
from sora_studio.core.models.registry import ModelRegistry
from sora_studio.core.project.bundle import Project
from sora_studio.core.timeline.model import Clip, Take
from sora_studio.errors import BadInput, Refused

RATE = 16000


def voice_wav(f0: float, seed: int, seconds: float = 2.0, rate: int = RATE, channels: int = 1) -> bytes:
    """A buzzy voiced sound (harmonics of f0 with a syllable-rate envelope and breath noise) as WAV bytes."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    tone = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 12))
    sound = 0.2 * tone * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)) + 0.01 * rng.normal(size=t.size)
    buffer = io.BytesIO()
    sf.write(buffer, np.repeat(sound[:, None], channels, axis=1), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


class Line:
    def __init__(self, speaker: str, text: str) -> None:
        self.speaker, self.text = speaker, text


@pytest.fixture
def samples(tmp_path) -> tuple[Path, Path]:
    low, high = tmp_path / "low.wav", tmp_path / "high.wav"
    low.write_bytes(voice_wav(110, 1))
    high.write_bytes(voice_wav(230, 2))
    return low, high


def test_tiny_clone_builds_loads_and_speaks_at_48k(samples):
    tts = get_backend("speecht5-clone-tiny")
    assert tts.can_clone and [v.id for v in tts.voices()] == ["en"]
    speech = tts.synthesize(TTSRequest("hello there", "en", voice_sample=samples[0]))
    parts = tts._load("en")
    entry = ModelRegistry().get("tts:speecht5-clone-tiny:en")
    assert {Path(p).name for p in entry.extra["components"].values()} == {"tts", "vocoder", "speaker"}
    assert parts["tts"].name_or_path == entry.extra["components"]["tts"]  # loaded back from the saved folder
    assert parts["tts"].config.speaker_embedding_dim == parts["speaker"].config.xvector_output_dim == 512
    assert parts["speaker"].config.model_type == "wavlm" and parts["tts"].config.num_mel_bins == 80
    tokens = parts["tokenizer"]("hello there", return_tensors="pt")["input_ids"].shape[1]
    hop_at_48k = 256 * 3  # one mel frame of the 16 kHz vocoder, resampled to 48 kHz
    assert speech.sample_rate == 48000 and speech.audio.shape[0] == 1 and speech.audio.dtype == np.float32
    shortest, longest = (int(tokens * ratio / 2) * 2 for ratio in (MIN_FRAMES_PER_TOKEN, MAX_FRAMES_PER_TOKEN))
    assert shortest * hop_at_48k * 0.99 <= speech.audio.shape[1] <= longest * hop_at_48k * 1.01  # 2 frames a step
    assert np.isfinite(speech.audio).all() and float(np.sqrt(np.mean(speech.audio ** 2))) > 1e-4
    assert any("noise" in n for n in speech.notices) and any("cloned" in n for n in speech.notices)
    again = tts.synthesize(TTSRequest("hello there", "en", voice_sample=samples[0]))
    np.testing.assert_array_equal(speech.audio, again.audio)  # seeded: the same line gives the same take
    with pytest.raises(BadInput, match="only in a cameo's enrolled voice"):
        tts.synthesize(TTSRequest("hello there", "en"))
    with pytest.raises(BadInput, match="no voice 'fr'"):
        tts.synthesize(TTSRequest("bonjour", "fr", voice_sample=samples[0]))


def test_two_voice_samples_give_two_embeddings_and_two_voices(samples, tmp_path):
    tts = get_backend("speecht5-clone-tiny")
    low, high = (tts.speaker_embedding(s) for s in samples)
    assert low.shape == (512,) and np.isclose(np.linalg.norm(low), 1.0, atol=1e-5)
    assert np.abs(low - high).max() > 1e-3
    stereo = tmp_path / "low-44k-stereo.wav"  # the same voice recorded differently: resampled, mixed to mono
    stereo.write_bytes(voice_wav(110, 1, rate=44100, channels=2))
    assert np.abs(tts.speaker_embedding(stereo) - low).max() < np.abs(low - high).max()
    a = tts.synthesize(TTSRequest("hello there", "en", voice_sample=samples[0])).audio
    b = tts.synthesize(TTSRequest("hello there", "en", voice_sample=samples[1])).audio
    n = min(a.shape[1], b.shape[1])
    assert not np.allclose(a[:, :n], b[:, :n], atol=1e-4)
    silent, broken = tmp_path / "silent.wav", tmp_path / "broken.wav"
    sf.write(silent, np.zeros(RATE * 2, np.float32), RATE)
    broken.write_bytes(b"RIFF....WAVEfmt ")
    for bad, why in ((silent, "silent or shorter"), (broken, "cannot be read")):
        with pytest.raises(BadInput, match=why):
            tts.synthesize(TTSRequest("hello", "en", voice_sample=bad))


def test_real_manifest_install_refuses_pickles_and_wrong_parts(samples, tmp_path):
    manifest = tts_manifests()["speecht5-clone"]
    assert manifest.can_clone and manifest.engine == "speecht5" and manifest.commercial_use
    assert {r: c.repo for r, c in manifest.components.items()} == {
        "tts": "microsoft/speecht5_tts", "vocoder": "microsoft/speecht5_hifigan",
        "speaker": "microsoft/wavlm-base-plus-sv"}
    with pytest.raises(BadInput, match="voice 'en' of speecht5-clone is not installed"):
        get_backend("speecht5-clone").synthesize(TTSRequest("hello", "en", voice_sample=samples[0]))
    get_backend("speecht5-clone-tiny")  # builds the tiny twins
    tiny = next(Path(p).parent for p in ModelRegistry().get("tts:speecht5-clone-tiny:en").extra["components"].values())
    # the hub download path, with the tiny twins standing in for the hub (no network here)
    asked = []

    def hub(repo_id, revision, allow_patterns, ignore_patterns):
        asked.append((repo_id, revision))
        assert "*.bin" in ignore_patterns
        role = {c.repo: r for r, c in manifest.components.items()}[repo_id]
        return str(tiny / role)

    install_voice("speecht5-clone", "en", downloader=hub)
    assert ("microsoft/speecht5_hifigan", "refs/pr/1") in asked and len(asked) == 3
    speech = get_backend("speecht5-clone").synthesize(TTSRequest("hello", "en", voice_sample=samples[0]))
    assert speech.sample_rate == 48000 and speech.audio.shape[1] > 0
    pickled = tmp_path / "pickled"
    shutil.copytree(tiny, pickled)
    (pickled / "vocoder" / "pytorch_model.bin").write_bytes(b"\x80\x04")
    with pytest.raises(BadInput, match="pickled"):
        import_voice("speecht5-clone", "en", pickled)
    swapped = tmp_path / "swapped"
    shutil.copytree(tiny, swapped)
    (swapped / "speaker").rename(swapped / "x")
    (swapped / "vocoder").rename(swapped / "speaker")
    (swapped / "x").rename(swapped / "vocoder")
    with pytest.raises(BadInput, match="holds a .wavlm. model; the vocoder component"):
        import_voice("speecht5-clone", "en", swapped)


@pytest.fixture
def studio(samples):
    """Alice's cameo 'alice' enrolled with the low voice, Bob's 'bob' with the high one; Carol has no access."""
    store = CameoStore()
    alice, bob, carol = (store.profiles.create(n) for n in ("Alice", "Bob", "Carol"))
    facts = {"capture": "recorded", "challenges": ["left"], "phrase": "test", "verified": ["test"]}
    store.add(alice, "alice", "person", facts, {"front": b"png", "voice": samples[0].read_bytes()})
    store.add(bob, "bob", "person", facts, {"front": b"png", "voice": samples[1].read_bytes()})
    permissions.set_mode(store, "bob", bob.id, "everyone")
    yield store, alice, bob, carol
    store.close()


def test_cameo_speaker_is_cloned_after_the_permission_check(studio, samples, tmp_path):
    store, alice, _bob, carol = studio
    tts = get_backend("speecht5-clone-tiny")
    lines = [Line("@alice", "hello there"), Line("@bob", "hi")]
    spoken, _ = speak_lines(lines, 4.0, tts, {"@alice": "en", "@bob": "en"}, requester_profile_id=alice.id,
                            cameo_store=store)
    assert [s.cameo_id for s in spoken] == [store.require("alice").id, store.require("bob").id]
    direct = tts.synthesize(TTSRequest("hello there", "en", voice_sample=samples[0])).audio
    np.testing.assert_array_equal(spoken[0].speech.audio, direct)  # spoken from alice's enrolled sample
    other = tts.synthesize(TTSRequest("hello there", "en", voice_sample=samples[1])).audio
    n = min(direct.shape[1], other.shape[1])
    assert not np.allclose(spoken[0].speech.audio[:, :n], other[:, :n], atol=1e-4)
    assert not list(Path(tempfile_dir()).glob("sora-cameo-voice-*"))  # the decrypted copy is gone
    project = Project.create(tmp_path / "p", rate=24, width=64, height=64, session=False)
    shot = Clip(name="s", start=0, duration=96, takes={"DEFAULT_MEDIA": Take("media/x.mp4", 96)})
    project.timeline.video_tracks()[0].clips.append(shot)
    _, clips = place_dialogue(project, shot, spoken, tts_name=tts.name)
    meta = clips[0].metadata["sora_studio"]
    assert meta["cameo_id"] == store.require("alice").id and meta["speaker"] == "@alice"
    assert "voice_sample" not in json.dumps(meta) and "sora-cameo-voice" not in json.dumps(meta)
    usage = permissions.usage(store, "alice", alice.id)
    assert any(u["action"] == "authorized" for u in usage)
    # carol may not use alice; once revoked, nobody (not even through a backend that cannot clone)
    with pytest.raises(Refused, match="only its owner"):
        speak_lines([Line("@alice", "hi")], 2.0, tts, {"@alice": "en"}, requester_profile_id=carol.id,
                    cameo_store=store)
    permissions.revoke(store, "alice", alice.id)
    with pytest.raises(Refused, match="revoked"):
        speak_lines([Line("@alice", "hi")], 2.0, tts, {"@alice": "en"}, requester_profile_id=alice.id,
                    cameo_store=store)
    with pytest.raises(Refused, match="revoked"):
        speak_lines([Line("@alice", "hi")], 2.0, get_backend("espeak-ng"), {"@alice": "en-us"},
                    requester_profile_id=alice.id, cameo_store=store)


def test_non_cloning_backend_keeps_its_voice_and_says_so(studio):
    store, _alice, _bob, carol = studio
    spoken, _ = speak_lines([Line("@bob", "hi there"), Line("Ana", "hello")], 4.0, get_backend("espeak-ng"),
                            {"@bob": "en-us", "Ana": "en-gb"}, requester_profile_id=carol.id, cameo_store=store)
    assert spoken[0].cameo_id == store.require("bob").id and spoken[1].cameo_id is None
    assert any("cannot clone" in n and "@bob" in n for n in spoken[0].notices)
    assert not any("cannot clone" in n for n in spoken[1].notices)
    assert not [u for u in permissions.usage(store, "bob", _bob.id) if u["action"] == "authorized"]  # name only
    permissions.set_mode(store, "bob", _bob.id, "only-me")
    with pytest.raises(Refused, match="only its owner"):
        speak_lines([Line("@bob", "hi")], 2.0, get_backend("espeak-ng"), {"@bob": "en-us"},
                    requester_profile_id=carol.id, cameo_store=store)
    with pytest.raises(Refused, match="unknown cameo 'zed'"):
        speak_lines([Line("@zed", "hi")], 2.0, get_backend("espeak-ng"), {"@zed": "en-us"},
                    requester_profile_id=carol.id, cameo_store=store)


def tempfile_dir() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_storyboard_audio_pass_clones_a_cameo_speaker(studio, tmp_path):
    """The storyboard pass as the app runs it: the active profile (Alice) speaks as @alice in her cloned voice."""
    from sora_studio.core.audio.shot_audio import add_shot_audio
    from sora_studio.core.media.synth import write_index_video
    from sora_studio.core.project.media_items import take_for_media
    from sora_studio.core.storyboard.model import DialogueLine, Shot, Storyboard
    from sora_studio.core.timeline.history import History
    from sora_studio.core.timeline.model import NAMESPACE

    store = studio[0]
    project = Project.create(tmp_path / "sb", rate=24, width=64, height=64, session=False)
    item = project.import_media(write_index_video(tmp_path / "silent.mp4", 72, fps=24))
    take = take_for_media(item, project.timeline.rate)
    project.timeline.video_tracks()[0].clips.append(
        Clip(name="s1", start=0, duration=take.length, takes={"t": take}, active_take="t",
             metadata={NAMESPACE: {"kind": "video", "shot_id": "s1", "media_id": item.id}}))
    storyboard = Storyboard([Shot("@alice on a roof", seconds=3, id="s1",
                                  dialogue=[DialogueLine("@alice", "hello there")])])
    history = History(project.timeline)
    report = add_shot_audio(project, storyboard, history, tts=get_backend("speecht5-clone-tiny"),
                            voices={"@alice": "en"}, ambience=False)
    assert report.dialogue_lines == 1 and any("cloned" in w for w in report.warnings)
    clip = next(c for t in project.timeline.audio_tracks() for c in t.clips)
    assert clip.metadata[NAMESPACE]["cameo_id"] == store.require("alice").id
    permissions.revoke(store, "alice", store.require("alice").owner)
    with pytest.raises(Refused, match="revoked"):
        add_shot_audio(project, storyboard, history, tts=get_backend("speecht5-clone-tiny"),
                       voices={"@alice": "en"}, ambience=False)
