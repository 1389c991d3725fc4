"""Optional text classifier: a downloadable sequence-classification model that can ADD refusals.

A rule list misses paraphrases; a model catches some of them. It never overrides the rules: policy.moderate
only asks the classifier when the rules allowed the prompt. The model is described by a manifest
(resources/policy/classifier.toml: hub repo, pinned revision, licence, label -> category map, threshold),
downloaded into the studio's data folder, and loaded with transformers from that local folder, safetensors
only (pickled weights are refused).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_studio.core.appdirs import data_dir
from sora_studio.core.resources import resource_path
from sora_studio.core.safety.verdict import ALLOWED, Verdict
from sora_studio.errors import BadInput, StudioError

PICKLED_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


@dataclass(frozen=True)
class ClassifierManifest:
    id: str
    repo: str
    revision: str
    licence: str
    activation: str
    threshold: float
    max_length: int
    labels: dict[str, str | None]  # model label -> category (None: the "fine" label)
    download_patterns: tuple[str, ...] = ("*.json", "*.safetensors", "*.model", "*.txt")

    @classmethod
    def load(cls, path: str | Path | None = None) -> ClassifierManifest:
        file = Path(path) if path is not None else resource_path("policy", "classifier.toml")
        try:
            with open(file, "rb") as fh:
                data = tomllib.load(fh)
            model = data["model"]
            labels = {str(k): (str(v) or None) for k, v in data["labels"].items()}
            manifest = cls(
                id=str(model["id"]),
                repo=str(model["repo"]),
                revision=str(model["revision"]),
                licence=str(model.get("licence", "unknown")),
                activation=str(model.get("activation", "softmax")),
                threshold=float(model.get("threshold", 0.8)),
                max_length=int(model.get("max_length", 256)),
                labels=labels,
                download_patterns=tuple(model.get("download_patterns", cls.download_patterns)),
            )
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"classifier manifest {file} is unreadable or incomplete: {exc}") from exc
        if manifest.activation not in ("softmax", "sigmoid") or not 0.0 < manifest.threshold <= 1.0:
            raise BadInput(f"classifier manifest {file}: activation must be softmax|sigmoid, threshold in (0, 1]")
        return manifest


def install_dir(manifest: ClassifierManifest) -> Path:
    """Where `download` puts the model (per user, beside the other studio data)."""
    return data_dir() / "models" / "safety" / manifest.id


def download(manifest: ClassifierManifest, dest: str | Path | None = None) -> Path:
    """Fetch the pinned revision (config, safetensors, tokenizer files only) into `dest`."""
    from huggingface_hub import snapshot_download

    target = Path(dest) if dest is not None else install_dir(manifest)
    try:
        snapshot_download(
            repo_id=manifest.repo,
            revision=manifest.revision,
            local_dir=target,
            allow_patterns=list(manifest.download_patterns),
        )
    except Exception as exc:  # network, auth, offline mode: all are a failed download to the user
        raise StudioError(
            f"could not download the safety classifier {manifest.repo}@{manifest.revision[:12]}: {exc}. "
            "Check the network, or copy the model folder by hand and load it from there."
        ) from exc
    if not any(target.glob("*.safetensors")):
        raise StudioError(f"the download of {manifest.repo} has no .safetensors weights; it cannot be used")
    return target


def installed_classifier(manifest: ClassifierManifest | None = None) -> TextClassifier | None:
    """The classifier downloaded into the data folder, or None when there is none (the rules alone)."""
    manifest = manifest or ClassifierManifest.load()
    folder = install_dir(manifest)
    if not (folder / "config.json").is_file():
        return None
    return TextClassifier.load(folder, manifest)


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise BadInput(f"classifier folder not found: {folder}")
    if not (folder / "config.json").is_file():
        raise BadInput(f"{folder} has no config.json: not a transformers model folder")
    if not any(folder.glob("*.safetensors")):
        pickled = [p.name for p in folder.iterdir() if p.suffix in PICKLED_SUFFIXES]
        hint = f" (found pickled weights {pickled}: refused, loading them can run code)" if pickled else ""
        raise BadInput(f"{folder} has no .safetensors weights{hint}; convert the model to safetensors")


class TextClassifier:
    """A loaded classifier; `verdict(text)` refuses when a mapped label reaches the threshold."""

    def __init__(self, model: Any, tokenizer: Any, manifest: ClassifierManifest) -> None:
        self._model = model
        self._tokenizer = tokenizer
        self.manifest = manifest
        self.id2label: dict[int, str] = {int(k): str(v) for k, v in model.config.id2label.items()}

    @classmethod
    def load(cls, folder: str | Path, manifest: ClassifierManifest | None = None) -> TextClassifier:
        manifest = manifest or ClassifierManifest.load()
        path = Path(folder)
        _check_folder(path)
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(
                path, local_files_only=True, use_safetensors=True
            )
        except (OSError, ValueError) as exc:
            raise BadInput(f"cannot load the classifier from {path}: {exc}") from exc
        model.eval()
        unknown = sorted(set(map(str, model.config.id2label.values())) - set(manifest.labels))
        if unknown:
            raise BadInput(
                f"the classifier in {path} has labels {unknown} that the manifest does not map to a category; "
                "add them under [labels] in the manifest"
            )
        return cls(model, tokenizer, manifest)

    def scores(self, text: str) -> dict[str, float]:
        """Probability per model label."""
        import torch

        inputs = self._tokenizer(text, return_tensors="pt", truncation=True, max_length=self.manifest.max_length)
        with torch.inference_mode():
            logits = self._model(**inputs).logits[0]
        probs = logits.softmax(-1) if self.manifest.activation == "softmax" else logits.sigmoid()
        return {self.id2label[i]: float(p) for i, p in enumerate(probs)}

    def verdict(self, text: str) -> Verdict:
        flagged = [
            (score, label, self.manifest.labels[label])
            for label, score in self.scores(text).items()
            if self.manifest.labels.get(label) and score >= self.manifest.threshold
        ]
        if not flagged:
            return ALLOWED
        score, label, category = max(flagged)
        return Verdict(
            allowed=False,
            category=category,
            reason=(
                f"The optional safety model rated this prompt as likely {category.replace('_', ' ')} content "
                f"(label {label}, {score:.0%}; threshold {self.manifest.threshold:.0%})."
            ),
            suggestion="Rephrase the prompt; if you think this is a mistake, the rules alone allowed it.",
            categories=(category,),
            source="classifier",
        )
