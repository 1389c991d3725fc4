"""Voice cloning with SpeechT5: text + a 512-dim x-vector of the speaker -> mel spectrogram -> HiFi-GAN -> speech.

Three checkpoints make one voice (the manifest's `components`): the SpeechT5 text-to-speech model
(`tts`), its HiFi-GAN vocoder (`vocoder`) and a speaker-verification model (`speaker`, WavLMForXVector or
UniSpeechSatForXVector) that turns the cameo's enrolled voice recording into the x-vector SpeechT5 is
conditioned on. All load through transformers' from_pretrained from safetensors only (pickles refused).

There is no built-in default speaker: a line without a voice sample is refused (BadInput) rather than
spoken in an arbitrary voice. No real weights could be downloaded while this was written; the path is
exercised with `speecht5-clone-tiny`, random-weight twins of the three architectures built offline (noise).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from sora_studio.core.appdirs import data_dir
from sora_studio.core.audio.resample import resample
from sora_studio.core.audio.tts.base import Speech, TTSRequest, Voice, check_text
from sora_studio.core.models.registry import InstalledModel, ModelRegistry
from sora_studio.core.models.verify import ALLOW_PATTERNS, IGNORE_PATTERNS, verify_transformers_folder
from sora_studio.errors import BadInput, StudioError

COMPONENTS = {"tts": ("speecht5",), "vocoder": ("speecht5_hifigan", "hifigan"), "speaker": ("wavlm", "unispeech-sat")}
SPEAKER_RATE = 16000  # the x-vector models and SpeechT5 work at 16 kHz
OUTPUT_RATE = 48000
MIN_SAMPLE_S, MAX_SAMPLE_S = 1.0, 30.0
MIN_FRAMES_PER_TOKEN = 3.0  # a floor on the spectrogram length (48 ms per character; speech is ~70 ms)
MAX_FRAMES_PER_TOKEN = 20.0


def verify_component(folder: Path, role: str) -> None:
    """One component folder: config.json of the expected model type, safetensors weights, no pickles."""
    verify_transformers_folder(folder, tuple(COMPONENTS[role]), f"{role} component")


def register_clone_voice(manifest: Any, voice: str, folders: dict[str, Path], source: str,
                         revision: str = "") -> InstalledModel:
    """Check the three component folders and record them under "tts:<manifest>:<voice>"."""
    missing = [role for role in COMPONENTS if role not in folders]
    if missing:
        raise BadInput(f"{manifest.id} needs the components {', '.join(COMPONENTS)}; missing: {', '.join(missing)}")
    paths = {role: Path(folders[role]).expanduser().resolve() for role in COMPONENTS}
    for role, path in paths.items():
        verify_component(path, role)
    entry = InstalledModel(id=f"tts:{manifest.id}:{voice}", path=str(paths["tts"]), source=source, revision=revision,
                           extra={"components": {role: str(p) for role, p in paths.items()}})
    ModelRegistry().put(entry)
    return entry


def import_clone_folder(manifest: Any, voice: str, folder: Path) -> InstalledModel:
    """A folder already on disk holding tts/, vocoder/ and speaker/ sub-folders."""
    return register_clone_voice(manifest, voice, {role: Path(folder) / role for role in COMPONENTS}, "import")


def download_clone_voice(manifest: Any, voice: str, downloader: Any = None) -> InstalledModel:
    """Download each component (safetensors, config, tokenizer, preprocessor) at its pinned revision."""
    if downloader is None:
        from huggingface_hub import snapshot_download as downloader
    folders = {}
    for role in COMPONENTS:
        component = manifest.components.get(role)
        if component is None or not component.repo:
            raise BadInput(f"TTS manifest {manifest.id} names no hub repository for its {role} component")
        try:
            folders[role] = Path(downloader(repo_id=component.repo, revision=component.revision,
                                            allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS))
        except Exception as exc:  # network, auth, missing revision
            raise StudioError(f"download of {component.repo} failed: {exc}; check the network and run again") from exc
    revisions = ",".join(f"{r}={manifest.components[r].revision}" for r in COMPONENTS)
    return register_clone_voice(manifest, voice, folders, "pull", revisions)


def ensure_tiny_clone(manifest: Any) -> dict[str, InstalledModel]:
    """Build the tiny twins once (random weights: noise) and register every voice of the manifest on them."""
    registry = ModelRegistry()
    found = {v: registry.get(f"tts:{manifest.id}:{v}") for v in manifest.voices}
    if all(found.values()):
        return found  # type: ignore[return-value]
    folder = data_dir() / "models" / "tiny" / manifest.id
    if not (folder / "speaker" / "config.json").is_file():
        tmp = folder.with_name(folder.name + ".building")
        shutil.rmtree(tmp, ignore_errors=True)
        build_tiny_speecht5(tmp)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    return {v: import_clone_folder(manifest, v, folder) for v in manifest.voices}


def build_tiny_speecht5(folder: Path) -> Path:
    """SpeechT5 TTS + HiFi-GAN + WavLM x-vector with the real architectures and interfaces (80 mel bins,
    512-dim speaker embeddings, 16 kHz) but a few hundred thousand random weights, and a character
    sentencepiece model trained here on a few sentences. Saved as safetensors under tts/, vocoder/, speaker/."""
    import sentencepiece as spm
    import torch
    from transformers import (
        SpeechT5Config,
        SpeechT5ForTextToSpeech,
        SpeechT5HifiGan,
        SpeechT5HifiGanConfig,
        SpeechT5Tokenizer,
        Wav2Vec2FeatureExtractor,
        WavLMConfig,
        WavLMForXVector,
    )

    for role in COMPONENTS:
        (folder / role).mkdir(parents=True, exist_ok=True)
    sentences = ["the quick brown fox jumps over the lazy dog.", "hello there, how are you today?",
                 "we speak slowly and clearly!", "can you hear my voice - yes, I can."]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(sentences), model_writer=model, model_type="char",
                                   vocab_size=40, bos_id=0, pad_id=1, eos_id=2, unk_id=3, character_coverage=1.0,
                                   minloglevel=2)
    spm_path = folder / "spm_char.model"
    spm_path.write_bytes(model.getvalue())
    tokenizer = SpeechT5Tokenizer(str(spm_path))
    tokenizer.save_pretrained(folder / "tts")
    spm_path.unlink()
    torch.manual_seed(0)
    tts = SpeechT5Config(vocab_size=len(tokenizer), hidden_size=16, encoder_layers=1, encoder_attention_heads=2,
                         encoder_ffn_dim=32, decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=32,
                         num_mel_bins=80, speaker_embedding_dim=512, speech_decoder_prenet_units=16,
                         speech_decoder_postnet_layers=2, speech_decoder_postnet_units=16, conv_dim=(8,),
                         conv_stride=(5,), conv_kernel=(10,), num_conv_pos_embeddings=8,
                         num_conv_pos_embedding_groups=2, max_speech_positions=1200, max_text_positions=600,
                         encoder_max_relative_position=16, reduction_factor=2)
    SpeechT5ForTextToSpeech(tts).save_pretrained(folder / "tts", safe_serialization=True)
    vocoder = SpeechT5HifiGanConfig(model_in_dim=80, sampling_rate=SPEAKER_RATE, upsample_initial_channel=16,
                                    upsample_rates=(4, 4, 4, 4), upsample_kernel_sizes=(8, 8, 8, 8),
                                    resblock_kernel_sizes=(3,), resblock_dilation_sizes=((1, 3),),
                                    initializer_range=0.3)  # large enough that the noise is audible
    SpeechT5HifiGan(vocoder).save_pretrained(folder / "vocoder", safe_serialization=True)
    speaker = WavLMConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                          conv_dim=(8, 8, 8), conv_stride=(5, 4, 4), conv_kernel=(10, 4, 4), num_conv_pos_embeddings=8,
                          num_conv_pos_embedding_groups=2, num_buckets=16, max_bucket_distance=32,
                          tdnn_dim=(16, 16, 32), tdnn_kernel=(5, 3, 1), tdnn_dilation=(1, 2, 1),
                          xvector_output_dim=512, classifier_proj_size=16)
    WavLMForXVector(speaker).save_pretrained(folder / "speaker", safe_serialization=True)
    Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=SPEAKER_RATE, padding_value=0.0, do_normalize=True,
                             return_attention_mask=True).save_pretrained(folder / "speaker")
    return folder


def read_voice_sample(path: Path) -> np.ndarray:
    """A voice recording (WAV/FLAC/OGG) as float32 mono at 16 kHz, at most 30 s; BadInput when unusable."""
    import soundfile as sf

    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise BadInput(f"the voice sample {Path(path).name} cannot be read as audio ({exc}); enroll the voice again")
    mono = resample(audio.T.mean(axis=0, keepdims=True), int(rate), SPEAKER_RATE, channels=1)[0]
    if mono.size < MIN_SAMPLE_S * SPEAKER_RATE or float(np.abs(mono).max(initial=0.0)) < 1e-4:
        raise BadInput(f"the voice sample {Path(path).name} is silent or shorter than {MIN_SAMPLE_S:g} s; "
                       "record at least a few seconds of speech")
    return mono[: int(MAX_SAMPLE_S * SPEAKER_RATE)]


class SpeechT5CloneBackend:
    """Speaks each line in the voice of `TTSRequest.voice_sample` (a cameo's enrolled recording)."""

    def __init__(self, manifest: Any) -> None:
        self.manifest = manifest
        self.name = manifest.id
        self.can_clone = True
        self._loaded: dict[str, dict[str, Any]] = {}

    def voices(self) -> list[Voice]:
        return [Voice(v.id, v.language, v.name or v.id) for v in self.manifest.voices.values()]

    def _load(self, voice: str) -> dict[str, Any]:
        entry = ModelRegistry().get(f"tts:{self.manifest.id}:{voice}")
        if entry is None:
            raise BadInput(f"voice {voice!r} of {self.manifest.id} is not installed; install it with "
                           f"install_voice({self.manifest.id!r}, {voice!r}) or use espeak-ng")
        if entry.path not in self._loaded:
            from transformers import (
                AutoFeatureExtractor,
                AutoModelForAudioXVector,
                AutoTokenizer,
                SpeechT5ForTextToSpeech,
                SpeechT5HifiGan,
            )

            paths = {role: Path(p) for role, p in (entry.extra.get("components") or {}).items()}
            for role in COMPONENTS:
                verify_component(paths.get(role, Path(entry.path) / role), role)
            try:
                parts = {
                    "tts": SpeechT5ForTextToSpeech.from_pretrained(paths["tts"], use_safetensors=True).eval(),
                    "tokenizer": AutoTokenizer.from_pretrained(paths["tts"]),
                    "vocoder": SpeechT5HifiGan.from_pretrained(paths["vocoder"], use_safetensors=True).eval(),
                    "speaker": AutoModelForAudioXVector.from_pretrained(paths["speaker"], use_safetensors=True).eval(),
                    "features": AutoFeatureExtractor.from_pretrained(paths["speaker"]),
                }
            except (OSError, ValueError, KeyError) as exc:
                raise BadInput(f"cannot load TTS voice {voice!r} from {entry.path}: {exc}") from exc
            if parts["speaker"].config.xvector_output_dim != parts["tts"].config.speaker_embedding_dim:
                raise BadInput(f"{self.manifest.id}: the speaker model gives {parts['speaker'].config.xvector_output_dim}"
                               f"-dim x-vectors but SpeechT5 expects {parts['tts'].config.speaker_embedding_dim}")
            self._loaded[entry.path] = parts
        return self._loaded[entry.path]

    def speaker_embedding(self, voice_sample: Path, voice: str | None = None) -> np.ndarray:
        """The L2-normalised x-vector [512] of a voice recording (biometric: never store it)."""
        import torch

        parts = self._load(voice or next(iter(self.manifest.voices)))
        audio = read_voice_sample(Path(voice_sample))
        inputs = parts["features"](audio, sampling_rate=SPEAKER_RATE, return_tensors="pt")
        with torch.inference_mode():
            embedding = parts["speaker"](**inputs).embeddings
        return torch.nn.functional.normalize(embedding, dim=-1)[0].float().numpy()

    def synthesize(self, request: TTSRequest) -> Speech:
        import torch

        text = check_text(request.text)
        if request.voice not in self.manifest.voices:
            from sora_studio.core.audio.tts.base import unknown_voice

            raise unknown_voice(request.voice, self.manifest.id, self.voices())
        if request.voice_sample is None:
            raise BadInput(f"{self.manifest.name} speaks only in a cameo's enrolled voice and this line has no voice "
                           "sample: make its speaker a cameo (@name) or choose another TTS (espeak-ng)")
        parts = self._load(request.voice)
        embedding = torch.from_numpy(self.speaker_embedding(request.voice_sample, request.voice))[None]
        ids = parts["tokenizer"](text, return_tensors="pt")["input_ids"]
        limit = parts["tts"].config.max_text_positions
        if ids.shape[1] > limit:
            raise BadInput(f"the line is {ids.shape[1]} tokens long; {self.manifest.id} speaks at most {limit}: split it")
        with torch.random.fork_rng(), torch.inference_mode():
            torch.manual_seed(0)  # the decoder pre-net's dropout is always on: seeded, a line gives the same take
            waveform = parts["tts"].generate_speech(ids, embedding, vocoder=parts["vocoder"],
                                                    minlenratio=MIN_FRAMES_PER_TOKEN, maxlenratio=MAX_FRAMES_PER_TOKEN)
        rate = int(parts["vocoder"].config.sampling_rate)
        audio = resample(waveform.float().cpu().numpy()[None, :], rate, OUTPUT_RATE, channels=1).astype(np.float32)
        notices = [f"{self.manifest.name}: spoken in the voice cloned from the cameo's enrolled sample"]
        if request.rate_wpm != 165:
            notices.append(f"{self.manifest.name} speaks at its own pace: the speaking rate was not applied")
        if self.manifest.tiny:
            notices.append("tiny TTS model with random weights: it produces noise, not speech")
        return Speech(audio, OUTPUT_RATE, notices)
