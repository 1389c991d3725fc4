"""`sora-studio bench cameo`: enrollment false-reject / false-accept rates and analysis time.

A generated set: genuine clips (synthetic head turns of a face photo through its 3D landmark mesh, random
turn order, amplitude, timing (ramps, holds, pauses at neutral), light, sway and noise, with an espeak-ng
spoken phrase in the soundtrack) and attacks (flat photo tilted as a plane; frozen, looped and ping-pong
replays cut from a recorded genuine clip and re-encoded with fresh noise; turns in the wrong order; wrong
phrase). Every clip is H.264/AAC-encoded and analysed through the same path as `cameo enroll --video`.
The time baseline measured in the same run is decoding the clip alone.
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

ATTACKS = ("flat_photo", "frozen", "looped", "pingpong", "wrong_order", "wrong_phrase")
FULL_SET = {"genuine": 40, "flat_photo": 5, "frozen": 9, "looped": 9, "pingpong": 9, "wrong_order": 4, "wrong_phrase": 4}


def genuine_spec(rng: random.Random, seed: int, quick: bool = False) -> syn.ClipSpec:
    """A genuine clip's random turn order, size, timing (ramps, holds, pauses), light, sway and noise."""
    turns = rng.sample(list(syn.CHALLENGE_POSES), 2 if quick else rng.choice([2, 3]))
    ramp = rng.uniform(0.25, 0.6)
    return syn.ClipSpec(challenges=tuple(turns), amplitude=rng.uniform(18, 30), gain=rng.uniform(0.6, 1.3),
                        noise=rng.uniform(1.0, 5.0), jitter=rng.uniform(0.3, 0.8), seed=seed,
                        start_s=rng.uniform(0.7, 1.2), ramp_s=ramp, hold_s=rng.uniform(0.3, 1.0),
                        back_s=ramp * rng.uniform(0.7, 1.5), between_s=rng.uniform(0.25, 0.8),
                        light_drift=rng.uniform(0.0, 0.15), sway=rng.uniform(0.0, 1.5))


def make_case(mesh: syn.FaceMesh, grammar: PhraseGrammar, kind: str, index: int, rng: random.Random,
              seed: int, quick: bool = False) -> dict:
    """One clip of the set: frames, soundtrack, the challenges/phrase asked, and the encoder's CRF.

    Replay attacks start from the genuine clip as it was recorded (H.264 at CRF 23), are cut, then get
    fresh noise and a little gain before the final encode at a random CRF 20-28, as a re-recorded or
    re-encoded replay would.
    """
    spec = genuine_spec(rng, seed, quick)
    phrase = grammar.random_phrase()
    speech = syn.espeak_speech(phrase)
    frames = syn.render_clip(mesh, spec, speech=speech, flat=kind == "flat_photo")
    asked, said, variant, crf = list(spec.challenges), phrase, "", 23
    if kind in syn.REPLAY_VARIANTS:
        variants = syn.REPLAY_VARIANTS[kind]
        variant = variants[index % len(variants)]
        phases = [p for p, _ in syn.labelled_schedule(spec, syn.speech_envelope(speech, 16000, spec.fps))]
        recorded = syn.reencode(frames, spec.fps, crf=23)
        replayed = syn.replay_attack(recorded, phases, spec.fps, kind, variant)
        frames = syn.reencode(replayed, spec.fps, crf=rng.randint(20, 28), noise=rng.uniform(1.0, 3.0),
                              gain=rng.uniform(0.95, 1.05), seed=seed)
        crf = 18  # the replay is already re-encoded; the file itself is written near-losslessly
    elif kind == "wrong_order":
        while asked == list(spec.challenges):
            asked = rng.sample(list(spec.challenges), len(spec.challenges))
    elif kind == "wrong_phrase":
        while said == phrase:
            said = grammar.random_phrase()
    audio = syn.clip_audio(len(frames), spec.fps, speech)
    return {"kind": kind, "variant": variant, "frames": frames, "audio": audio, "fps": spec.fps,
            "asked": asked, "said": said, "crf": crf}


def _check_name(reasons: list[str]) -> str:
    """Which check refused a clip first (or 'accepted')."""
    for words, name in (("frozen", "frozen"), ("looped replay", "loop"), ("ping-pong", "ping-pong"),
                        ("wrong order", "turn order"), ("unexpected turn", "turn order"), ("did not see", "turn order")):
        if any(words in r for r in reasons):
            return name
    return "other: " + reasons[0] if reasons else "accepted"


def _write(folder: Path, name: str, case: dict) -> Path:
    path = folder / f"{name}.mp4"
    write_clip(path, case["frames"], case["fps"], audio=case["audio"][None], sample_rate=16000, crf=case["crf"])
    return path


def _decode_seconds(path: Path) -> float:
    started = time.perf_counter()
    with VideoSource(path) as source:
        for _ in source.frames():
            pass
    return time.perf_counter() - started


def run(quick: bool = False) -> dict:
    counts = {k: 1 for k in FULL_SET} if quick else dict(FULL_SET)
    rng = random.Random(7)
    grammar = PhraseGrammar.load()
    mesh = syn.FaceMesh.from_image(syn.astronaut_face())
    outcomes: dict[str, list[bool]] = {k: [] for k in counts}
    reasons: dict[str, list[str]] = {k: [] for k in outcomes}
    caught: dict[str, list[str]] = {}
    analysis_s, decode_s, clip_s = [], [], []
    with tempfile.TemporaryDirectory(prefix="sora-bench-cameo-") as tmp:
        folder = Path(tmp)
        cases = [(kind, i) for kind, n in counts.items() for i in range(n)]
        for seed, (kind, i) in enumerate(cases):
            case = make_case(mesh, grammar, kind, i, rng, seed, quick)
            path = _write(folder, f"{kind}-{i}", case)
            started = time.perf_counter()
            result = analyse_recording(path, challenges=case["asked"], phrase=case["said"])
            analysis_s.append(time.perf_counter() - started)
            decode_s.append(_decode_seconds(path))
            clip_s.append(len(case["frames"]) / case["fps"])
            outcomes[kind].append(result.passed)
            if (kind == "genuine") != result.passed:
                reasons[kind].append(f"{case['variant'] or kind}: " + ("; ".join(result.reasons) or "accepted"))
            if case["variant"]:
                caught.setdefault(f"{kind}/{case['variant']}", []).append(_check_name(result.reasons))
    genuine = outcomes["genuine"]
    attacks = [ok for a in ATTACKS for ok in outcomes[a]]
    return {
        "set": {"genuine": len(genuine), "attacks": {a: len(outcomes[a]) for a in ATTACKS}},
        "false_reject_rate": 1 - sum(genuine) / len(genuine),
        "false_accept_rate": sum(attacks) / len(attacks),
        "false_accept_by_attack": {a: sum(outcomes[a]) / len(outcomes[a]) for a in ATTACKS},
        "errors": {k: v for k, v in reasons.items() if v},
        "replays_caught_by": {k: {c: v.count(c) for c in sorted(set(v))} for k, v in caught.items()},
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
    for variant, checks in result.get("replays_caught_by", {}).items():
        lines.append(f"    {variant:<17} " + ", ".join(f"{n}x {c}" for c, n in checks.items()))
    for kind, errs in result["errors"].items():
        for err in errs:
            lines.append(f"  [{kind}] {err}")
    return "\n".join(lines)
