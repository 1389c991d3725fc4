"""The optional classifier's plumbing, on a tiny randomly initialised BERT built offline and loaded back
through the same from_pretrained path as a downloaded model (accuracy is not the point here)."""

from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

import shutil

from sora_studio.cli import main
from sora_studio.core.safety.classifier import ClassifierManifest, TextClassifier, download, install_dir, installed_classifier
from sora_studio.core.safety.policy import moderate
from sora_studio.errors import BadInput, StudioError

LABELS = ["OK", "S", "V2"]


def build_tiny_classifier(folder: Path, logit_bias: list[float], labels: list[str] = LABELS) -> Path:
    """Save a 1-layer BERT classifier whose output is fixed by the head's bias (weights zeroed)."""
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = ["a cat on a sofa", "a dog in the park", "a red car at night", "people dancing in the rain"]
    tokenizer.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"]))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    )
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor(logit_bias))
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def manifest(threshold: float = 0.8) -> ClassifierManifest:
    real = ClassifierManifest.load()
    return ClassifierManifest(**{**real.__dict__, "threshold": threshold})


def test_shipped_manifest_maps_every_label_and_pins_a_revision():
    real = ClassifierManifest.load()
    assert real.repo == "KoalaAI/Text-Moderation" and len(real.revision) == 40
    assert real.labels["OK"] is None and real.labels["S3"] == "minors"


def test_saved_folder_is_safetensors_and_loads_back(tmp_path):
    folder = build_tiny_classifier(tmp_path / "m", [0.0, 3.0, 0.0])
    assert (folder / "model.safetensors").is_file()
    clf = TextClassifier.load(folder, manifest())
    scores = clf.scores("a cat on a sofa")
    assert set(scores) == set(LABELS)
    assert scores["S"] == pytest.approx(torch.tensor([0.0, 3.0, 0.0]).softmax(0)[1].item(), abs=1e-5)


def test_label_maps_to_category_when_over_threshold(tmp_path):
    folder = build_tiny_classifier(tmp_path / "m", [0.0, 0.0, 4.0])  # V2 ~ 0.96
    verdict = moderate("a cat on a sofa", classifier=TextClassifier.load(folder, manifest(0.8)))
    assert not verdict.allowed and verdict.category == "violence" and verdict.source == "classifier"
    assert "V2" in verdict.reason


def test_threshold_is_applied(tmp_path):
    folder = build_tiny_classifier(tmp_path / "m", [0.0, 0.0, 4.0])
    assert moderate("a cat on a sofa", classifier=TextClassifier.load(folder, manifest(0.99))).allowed


def test_ok_label_never_refuses(tmp_path):
    folder = build_tiny_classifier(tmp_path / "m", [6.0, 0.0, 0.0])
    assert moderate("a cat on a sofa", classifier=TextClassifier.load(folder, manifest(0.5))).allowed


def test_classifier_cannot_lift_a_rule_refusal(tmp_path):
    folder = build_tiny_classifier(tmp_path / "m", [6.0, 0.0, 0.0])  # the model says OK
    verdict = moderate("a naked woman", classifier=TextClassifier.load(folder, manifest()))
    assert not verdict.allowed and verdict.category == "sexual" and verdict.source == "rules"


def test_pickled_weights_are_refused(tmp_path):
    folder = build_tiny_classifier(tmp_path / "m", [0.0, 0.0, 0.0])
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    with pytest.raises(BadInput, match="pickled"):
        TextClassifier.load(folder, manifest())


def test_unmapped_label_is_refused(tmp_path):
    folder = build_tiny_classifier(tmp_path / "m", [0.0, 0.0, 0.0], labels=["OK", "S", "SPAM"])
    with pytest.raises(BadInput, match="SPAM"):
        TextClassifier.load(folder, manifest())


def test_missing_folder_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="not found"):
        TextClassifier.load(tmp_path / "nothing", manifest())


def test_download_offline_fails_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(StudioError, match="could not download the safety classifier"):
        download(manifest(), tmp_path / "dl")


def test_installed_classifier_is_found_in_the_data_folder_and_used_by_the_cli(tmp_path, capsys):
    real = ClassifierManifest.load()
    assert installed_classifier(real) is None
    assert main(["moderate", "a cat on a sofa", "--classifier", "installed"]) == 2
    build_tiny_classifier(tmp_path / "m", [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 0.0], labels=list(real.labels))
    shutil.copytree(tmp_path / "m", install_dir(real))
    assert isinstance(installed_classifier(real), TextClassifier)
    capsys.readouterr()
    assert main(["moderate", "a cat on a sofa", "--classifier", "installed", "--json"]) == 3
    out = capsys.readouterr().out
    assert '"source": "classifier"' in out and '"category": "self_harm"' in out  # label SH
