"""Neural TTS voices described by manifests (models/tts/*.toml), loaded with transformers' from_pretrained.

The shipped manifest describes Meta's MMS-TTS (VITS, one downloadable checkpoint per language, ~145 MB
each, CC-BY-NC-4.0). Voices install like video models: `install_voice` downloads safetensors + config +
tokenizer from the hub (never pickles) and records the folder in the model registry under
"tts:<manifest id>:<voice>"; `import_voice` registers a folder already on disk. Nothing here downloads
on its own, and no real weights could be fetched while this was written: the code path is exercised with
the tiny random-weight VITS (`tts-tiny`, noise out) built offline and loaded through the same
from_pretrained call. Voice cloning: `can_clone` in the manifest; the `speecht5` engine (speecht5.py, three
component checkpoints) speaks in the voice of TTSRequest.voice_sample. VITS cannot clone and says so.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sora_studio.core.appdirs import data_dir
from sora_studio.core.audio.tts.base import Speech, TTSRequest, Voice, check_text, unknown_voice
from sora_studio.core.models.registry import InstalledModel, ModelRegistry
from sora_studio.core.models.verify import ALLOW_PATTERNS, IGNORE_PATTERNS, verify_transformers_folder
from sora_studio.core.resources import models_path
from sora_studio.errors import BadInput, Refused, StudioError

ENGINES = ("vits", "speecht5")
BASE_WPM = 165  # rate_wpm at which a model speaks at its natural speed


@dataclass(frozen=True)
class TTSVoiceEntry:
    id: str
    language: str
    repo: str = ""
    revision: str = "main"
    speaker_id: int | None = None
    name: str = ""


@dataclass(frozen=True)
class TTSComponent:
    """One checkpoint of a multi-part engine (speecht5: tts, vocoder, speaker)."""

    role: str
    repo: str
    revision: str = "main"
    licence: str = ""


@dataclass(frozen=True)
class TTSManifest:
    id: str
    name: str
    engine: str
    licence: str
    licence_url: str = ""
    commercial_use: bool = True
    can_clone: bool = False
    tiny: bool = False
    size_gb: float = 0.0
    voices: dict[str, TTSVoiceEntry] = field(default_factory=dict)
    notes: str = ""
    components: dict[str, TTSComponent] = field(default_factory=dict)


def tts_manifest_dir() -> Path:
    return models_path("tts")


def parse_tts_manifest(path: Path) -> TTSManifest:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        lic = data.get("licence", {})
        voices = {str(k): TTSVoiceEntry(id=str(k), language=str(v["language"]), repo=str(v.get("repo", "")),
                                         revision=str(v.get("revision", "main")), speaker_id=v.get("speaker_id"),
                                         name=str(v.get("name", "")))
                  for k, v in data.get("voices", {}).items()}
        components = {str(k): TTSComponent(role=str(k), repo=str(v.get("repo", "")),
                                           revision=str(v.get("revision", "main")), licence=str(v.get("licence", "")))
                      for k, v in data.get("components", {}).items()}
        manifest = TTSManifest(id=str(data["id"]), name=str(data.get("name", data["id"])), engine=str(data["engine"]),
                               licence=str(lic.get("name", "unknown")), licence_url=str(lic.get("url", "")),
                               commercial_use=bool(lic.get("commercial_use", True)),
                               can_clone=bool(data.get("can_clone", False)), tiny=bool(data.get("tiny", False)),
                               size_gb=float(data.get("size_gb", 0.0)), voices=voices, notes=str(lic.get("notes", "")),
                               components=components)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"TTS manifest {path.name} is malformed: {exc!r}") from exc
    if manifest.engine not in ENGINES:
        raise BadInput(f"TTS manifest {path.name}: unknown engine {manifest.engine!r}; known: {', '.join(ENGINES)}")
    if not manifest.voices:
        raise BadInput(f"TTS manifest {path.name} lists no voices")
    missing = [r for r in ("tts", "vocoder", "speaker") if r not in manifest.components]
    if manifest.engine == "speecht5" and not manifest.tiny and missing:
        raise BadInput(f"TTS manifest {path.name}: the speecht5 engine needs components {', '.join(missing)}")
    return manifest


def tts_manifests(directory: Path | None = None) -> dict[str, TTSManifest]:
    directory = directory or tts_manifest_dir()
    found = {}
    for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
        manifest = parse_tts_manifest(path)
        found[manifest.id] = manifest
    return found


def _key(manifest_id: str, voice: str) -> str:
    return f"tts:{manifest_id}:{voice}"


def installed_tts_ids() -> list[str]:
    registry = ModelRegistry()
    return [m.id for m in tts_manifests().values()
            if any(registry.get(_key(m.id, v)) for v in m.voices) and not m.tiny]


def verify_tts_folder(folder: Path) -> None:
    """A VITS checkpoint folder: config.json of model_type vits, safetensors weights, no pickles."""
    verify_transformers_folder(folder, ("vits",), "TTS voice (a VITS model)")


def import_voice(manifest_id: str, voice: str, folder: str | Path, accept_licence: bool = False) -> InstalledModel:
    manifest = _manifest(manifest_id)
    _voice(manifest, voice)
    if not manifest.commercial_use and not accept_licence and not manifest.tiny:
        raise Refused(f"{manifest.name} is licensed under {manifest.licence} (non-commercial); read "
                      f"{manifest.licence_url or 'the licence'} and accept it to install")
    path = Path(folder).expanduser().resolve()
    if manifest.engine == "speecht5":
        from sora_studio.core.audio.tts.speecht5 import import_clone_folder

        return import_clone_folder(manifest, voice, path)
    verify_tts_folder(path)
    entry = InstalledModel(id=_key(manifest_id, voice), path=str(path), source="tiny" if manifest.tiny else "import",
                           revision=manifest.voices[voice].revision)
    ModelRegistry().put(entry)
    return entry


def install_voice(manifest_id: str, voice: str, accept_licence: bool = False, downloader: Any = None) -> InstalledModel:
    """Download one voice's checkpoint (safetensors, config, tokenizer) from the hub and register it."""
    manifest = _manifest(manifest_id)
    entry = _voice(manifest, voice)
    if manifest.tiny:
        return ensure_tiny_voices(manifest)[voice]
    if manifest.engine == "speecht5":
        if not manifest.commercial_use and not accept_licence:
            raise Refused(f"{manifest.name} is licensed under {manifest.licence}; accept it to install")
        from sora_studio.core.audio.tts.speecht5 import download_clone_voice

        return download_clone_voice(manifest, voice, downloader)
    if not entry.repo:
        raise BadInput(f"voice {voice!r} of {manifest_id} names no hub repository")
    if downloader is None:
        from huggingface_hub import snapshot_download as downloader
    try:
        folder = downloader(repo_id=entry.repo, revision=entry.revision, allow_patterns=ALLOW_PATTERNS,
                            ignore_patterns=IGNORE_PATTERNS)
    except Exception as exc:  # network, auth, missing revision
        raise StudioError(f"download of {entry.repo} failed: {exc}; check the network and run again") from exc
    return import_voice(manifest_id, voice, folder, accept_licence)


def _manifest(manifest_id: str) -> TTSManifest:
    manifests = tts_manifests()
    if manifest_id not in manifests:
        raise BadInput(f"unknown TTS {manifest_id!r}; known: {', '.join(sorted(manifests)) or 'none'}")
    return manifests[manifest_id]


def _voice(manifest: TTSManifest, voice: str) -> TTSVoiceEntry:
    if voice not in manifest.voices:
        raise unknown_voice(voice, manifest.id, [Voice(v.id, v.language, v.name) for v in manifest.voices.values()])
    return manifest.voices[voice]


def ensure_tiny_voices(manifest: TTSManifest) -> dict[str, InstalledModel]:
    """Build the tiny multi-speaker VITS once (random weights: noise) and register every voice on it."""
    if manifest.engine == "speecht5":
        from sora_studio.core.audio.tts.speecht5 import ensure_tiny_clone

        return ensure_tiny_clone(manifest)
    registry = ModelRegistry()
    found = {v: registry.get(_key(manifest.id, v)) for v in manifest.voices}
    if all(found.values()):
        return found  # type: ignore[return-value]
    folder = data_dir() / "models" / "tiny" / manifest.id
    if not (folder / "config.json").is_file():
        tmp = folder.with_name(folder.name + ".building")
        shutil.rmtree(tmp, ignore_errors=True)
        build_tiny_vits(tmp, speakers=max((v.speaker_id or 0) for v in manifest.voices.values()) + 1)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    return {v: import_voice(manifest.id, v, folder) for v in manifest.voices}


def build_tiny_vits(folder: Path, speakers: int = 2, sampling_rate: int = 16000) -> Path:
    """A VITS with ~22k random weights and a character tokenizer, saved as safetensors (tests, offline)."""
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {c: i for i, c in enumerate("_ abcdefghijklmnopqrstuvwxyz'.,?!-")}
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    VitsTokenizer(str(folder / "vocab.json"), add_blank=True, phonemize=False).save_pretrained(folder)
    torch.manual_seed(0)
    config = VitsConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=32,
                        flow_size=16, spectrogram_bins=17, upsample_initial_channel=16, upsample_rates=[8, 8],
                        upsample_kernel_sizes=[16, 16], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]],
                        prior_encoder_num_flows=1, prior_encoder_num_wavenet_layers=1,
                        posterior_encoder_num_wavenet_layers=1, duration_predictor_num_flows=1,
                        duration_predictor_filter_channels=16, depth_separable_num_layers=1,
                        num_speakers=speakers, speaker_embedding_size=8 if speakers > 1 else 0,
                        sampling_rate=sampling_rate)
    VitsModel(config).save_pretrained(folder, safe_serialization=True)
    return folder


class VitsBackend:
    """A manifest's VITS voices; each voice's checkpoint is loaded on first use and kept."""

    def __init__(self, manifest: TTSManifest) -> None:
        self.manifest = manifest
        self.name = manifest.id
        self.can_clone = manifest.can_clone
        self._loaded: dict[str, tuple[Any, Any]] = {}

    def voices(self) -> list[Voice]:
        return [Voice(v.id, v.language, v.name or v.id) for v in self.manifest.voices.values()]

    def _load(self, voice: str) -> tuple[Any, Any]:
        entry = ModelRegistry().get(_key(self.manifest.id, voice))
        if entry is None:
            raise BadInput(f"voice {voice!r} of {self.manifest.id} is not installed; install it with "
                           f"install_voice({self.manifest.id!r}, {voice!r}) or use espeak-ng")
        if entry.path not in self._loaded:
            from transformers import AutoTokenizer, VitsModel

            verify_tts_folder(Path(entry.path))
            try:
                model = VitsModel.from_pretrained(entry.path, use_safetensors=True).eval()
                tokenizer = AutoTokenizer.from_pretrained(entry.path)
            except (OSError, ValueError) as exc:
                raise BadInput(f"cannot load TTS voice {voice!r} from {entry.path}: {exc}") from exc
            self._loaded[entry.path] = (model, tokenizer)
        return self._loaded[entry.path]

    def synthesize(self, request: TTSRequest) -> Speech:
        import torch

        text = check_text(request.text)
        entry = _voice(self.manifest, request.voice)
        model, tokenizer = self._load(request.voice)
        notices = []
        if request.voice_sample is not None and not self.can_clone:
            notices.append(f"{self.manifest.name} cannot clone voices: the cameo's voice sample was not used")
        if self.manifest.tiny:
            notices.append("tiny TTS model with random weights: it produces noise, not speech")
        inputs = tokenizer(text, return_tensors="pt")
        if inputs["input_ids"].shape[1] == 0:
            raise BadInput(f"the {self.manifest.id} voice {request.voice!r} cannot spell this line; try espeak-ng")
        model.speaking_rate = max(0.5, min(2.0, request.rate_wpm / BASE_WPM))
        extra = {"speaker_id": entry.speaker_id} if entry.speaker_id is not None else {}
        with torch.random.fork_rng(), torch.inference_mode():
            torch.manual_seed(0)  # VITS samples noise: the same line gives the same audio
            waveform = model(**inputs, **extra).waveform
        audio = waveform[0].float().cpu().numpy()[None, :].astype(np.float32)
        return Speech(audio, int(model.config.sampling_rate), notices)


def load_tts(manifest_id: str) -> Any:
    """The backend for a manifest: VitsBackend, or SpeechT5CloneBackend for the cloning engine."""
    manifest = _manifest(manifest_id)
    if manifest.tiny:
        ensure_tiny_voices(manifest)
    if manifest.engine == "speecht5":
        from sora_studio.core.audio.tts.speecht5 import SpeechT5CloneBackend

        return SpeechT5CloneBackend(manifest)
    return VitsBackend(manifest)
