"""`sora-studio bench cameo`: enrollment false-reject / false-accept rates and analysis time.

A generated set: genuine clips (synthetic head turns of a face photo through its 3D landmark mesh, random
turn order, amplitude, light and noise, with an espeak-ng spoken phrase in the soundtrack) and attacks
(flat photo tilted as a plane, frozen feed, looped replay, turns in the wrong order, wrong phrase). Every
clip is H.264/AAC-encoded and analysed through the same path as `cameo enroll --video`. The time baseline
measured in the same run is decoding the clip alone.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import numpy as np

from sora_studio.core.cameo import synthetic as syn
from sora_studio.core.cameo.capture import VideoSource
from sora_studio.core.cameo.enroll import analyse_recording
from sora_studio.core.cameo.phrase import PhraseGrammar
from sora_studio.core.media.encode import write_clip

ATTACKS = ("flat_photo", "frozen", "looped", "wrong_order", "wrong_phrase")


def _genuine_spec(rng: random.Random, seed: int, quick: bool) -> syn.ClipSpec:
    turns = rng.sample(list(syn.CHALLENGE_POSES), 2 if quick else rng.choice([2, 3]))
    return syn.ClipSpec(challenges=tuple(turns), amplitude=rng.uniform(18, 30), gain=rng.uniform(0.6, 1.3),
                        noise=rng.uniform(1.0, 5.0), seed=seed)


def _write(folder: Path, name: str, frames: np.ndarray, audio: np.ndarray) -> Path:
    path = folder / f"{name}.mp4"
    write_clip(path, frames, 15, audio=audio[None], sample_rate=16000, crf=23)
    return path


def _decode_seconds(path: Path) -> float:
    started = time.perf_counter()
    with VideoSource(path) as source:
        for _ in source.frames():
            pass
    return time.perf_counter() - started


def run(quick: bool = False) -> dict:
    n_genuine, n_attack = (1, 1) if quick else (16, 5)
    rng = random.Random(7)
    grammar = PhraseGrammar.load()
    mesh = syn.FaceMesh.from_image(syn.astronaut_face())
    outcomes: dict[str, list[bool]] = {"genuine": [], **{a: [] for a in ATTACKS}}
    reasons: dict[str, list[str]] = {k: [] for k in outcomes}
    analysis_s, decode_s, clip_s = [], [], []
    with tempfile.TemporaryDirectory(prefix="sora-bench-cameo-") as tmp:
        folder = Path(tmp)
        cases: list[tuple[str, int]] = [("genuine", i) for i in range(n_genuine)]
        cases += [(a, i) for a in ATTACKS for i in range(n_attack)]
        for case, (kind, i) in enumerate(cases):
            spec = _genuine_spec(rng, seed=case, quick=quick)
            phrase = grammar.random_phrase()
            speech = syn.espeak_speech(phrase)
            frames = syn.render_clip(mesh, spec, speech=speech, flat=kind == "flat_photo")
            audio = syn.clip_audio(len(frames), spec.fps, speech)
            asked, said = list(spec.challenges), phrase
            if kind == "frozen":
                frames = syn.frozen_clip(frames)
            elif kind == "looped":
                frames = syn.looped_clip(frames, spec.fps)
                audio = syn.clip_audio(len(frames), spec.fps, speech)
            elif kind == "wrong_order":
                while asked == list(spec.challenges):
                    asked = rng.sample(list(spec.challenges), len(spec.challenges))
            elif kind == "wrong_phrase":
                while said == phrase:
                    said = grammar.random_phrase()
            path = _write(folder, f"{kind}-{i}", frames, audio)
            started = time.perf_counter()
            result = analyse_recording(path, challenges=asked, phrase=said)
            analysis_s.append(time.perf_counter() - started)
            decode_s.append(_decode_seconds(path))
            clip_s.append(len(frames) / spec.fps)
            outcomes[kind].append(result.passed)
            if (kind == "genuine") != result.passed:
                reasons[kind].append("; ".join(result.reasons) or "accepted")
    genuine = outcomes["genuine"]
    attacks = [ok for a in ATTACKS for ok in outcomes[a]]
    return {
        "set": {"genuine": len(genuine), "attacks": {a: len(outcomes[a]) for a in ATTACKS}},
        "false_reject_rate": 1 - sum(genuine) / len(genuine),
        "false_accept_rate": sum(attacks) / len(attacks),
        "false_accept_by_attack": {a: sum(outcomes[a]) / len(outcomes[a]) for a in ATTACKS},
        "errors": {k: v for k, v in reasons.items() if v},
        "analysis_s_mean": float(np.mean(analysis_s)),
        "clip_s_mean": float(np.mean(clip_s)),
        "decode_only_s_mean": float(np.mean(decode_s)),
        "analysis_vs_decode_ratio": float(np.mean(analysis_s) / max(np.mean(decode_s), 1e-9)),
        "realtime_factor": float(np.mean(analysis_s) / np.mean(clip_s)),
        "quick": quick,
    }


def format(result: dict) -> str:  # noqa: A001 - the bench contract's name
    lines = [
        f"cameo enrollment benchmark ({'quick' if result['quick'] else 'full'} set: {result['set']['genuine']} genuine, "
        f"{sum(result['set']['attacks'].values())} attacks)",
        f"  false-reject rate (genuine refused): {result['false_reject_rate']:.1%}",
        f"  false-accept rate (attacks passed):  {result['false_accept_rate']:.1%}",
    ]
    for attack, rate in result["false_accept_by_attack"].items():
        lines.append(f"    {attack:<13} accepted {rate:.0%} of {result['set']['attacks'][attack]}")
    lines += [
        f"  analysis per clip: {result['analysis_s_mean']:.2f} s for {result['clip_s_mean']:.1f} s of video "
        f"({result['realtime_factor']:.2f}x real time)",
        f"  baseline (decode only): {result['decode_only_s_mean']:.3f} s -> analysis is "
        f"{result['analysis_vs_decode_ratio']:.0f}x decoding",
    ]
    for kind, errs in result["errors"].items():
        for err in errs:
            lines.append(f"  [{kind}] {err}")
    return "\n".join(lines)
