"""`sora-studio bench trace-mark`: robustness, invisibility, false positives and cost of the trace mark.

Each trial makes a natural-looking clip (a panned/zoomed photo), marks it with a random id, encodes it the
way the studio does (libx264 CRF 18) and lets Debian's ffmpeg attack it: H.264 CRF 28, H.265 CRF 28,
downscale to 480p, 10% crop (random position), 24->30 fps, trim to a random 5 s excerpt; every attacked
file is a 5 s excerpt. Baselines measured in the same run: the libx264 encode cost per frame (embedding
cost is reported as a ratio to it) and the detector on unmarked clips and on marked clips with another
install's key (false positives).

Footage: scikit-image's sample photographs (astronaut, coffee, chelsea, rocket; shipped inside
scikit-image under the licences in its data README, not bundled here) panned and zoomed with a little sensor grain - flat colour would make
any mark trivially visible and detection unrealistically easy. The test suite reuses these helpers.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from sora_studio.core.provenance.frames import luma_frames
from sora_studio.core.provenance.trace_mark import MAX_FALSE_POSITIVE, TraceMarkDetector, TraceMarkEmbedder

FPS = 24
LEDGER_SIZE = 10_000
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")


def _photo(name: str) -> np.ndarray:
    from skimage import data  # test/bench dependency only

    image = getattr(data, name)()
    return image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)


def footage(width: int, height: int, n_frames: int, fps: float = 24.0, seed: int = 0) -> Iterator[np.ndarray]:
    """Yield uint8 RGB frames: a photo panned and slowly zoomed (a different photo/motion per seed)."""
    rng = np.random.default_rng(seed)
    photo = _photo(PHOTOS[seed % len(PHOTOS)])
    cover = 1.35 * max(width / photo.shape[1], height / photo.shape[0])
    src = cv2.resize(photo, None, fx=cover, fy=cover, interpolation=cv2.INTER_CUBIC)
    sh, sw = src.shape[:2]
    start = rng.uniform(0.0, 1.0, 2)
    direction = rng.uniform(-1.0, 1.0, 2)
    zoom_rate = rng.uniform(-0.04, 0.04)  # per second
    grain = rng.normal(0.0, 1.5, (4, height, width, 1)).astype(np.float32)
    for i in range(n_frames):
        t = i / fps
        zoom = 1.0 + zoom_rate * t + 0.02
        cx = (sw - width / zoom) * np.clip(start[0] + 0.04 * direction[0] * t, 0.05, 0.95) + width / zoom / 2
        cy = (sh - height / zoom) * np.clip(start[1] + 0.04 * direction[1] * t, 0.05, 0.95) + height / zoom / 2
        m = np.array([[zoom, 0, width / 2 - zoom * cx], [0, zoom, height / 2 - zoom * cy]], dtype=np.float64)
        frame = cv2.warpAffine(src, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        yield np.clip(frame + grain[i % 4], 0, 255).astype(np.uint8)


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


ATTACKS = ("h264_crf28", "h265_crf28", "downscale_480p", "crop_10pct", "fps_24_to_30", "trim_5s")


def attack(src: Path, dst: Path, name: str, rng: np.random.Generator, excerpt_s: float = 5.0,
           duration_s: float | None = None) -> Path:
    """Apply one attack with the ffmpeg command line; every output is cut to an `excerpt_s` excerpt."""
    x264 = ["-c:v", "libx264", "-crf", "28", "-preset", "veryfast"]
    vf: list[str] = []
    codec = x264
    start = 0.0
    if name == "h265_crf28":
        codec = ["-c:v", "libx265", "-crf", "28", "-preset", "ultrafast", "-x265-params", "log-level=error"]
    elif name == "downscale_480p":
        vf = ["scale=-2:480"]
    elif name == "crop_10pct":
        fx, fy = rng.uniform(0.0, 1.0, 2)
        vf = [f"crop=trunc(iw*0.9/2)*2:trunc(ih*0.9/2)*2:trunc(iw*0.1*{fx:.3f}):trunc(ih*0.1*{fy:.3f})"]
    elif name == "fps_24_to_30":
        vf = ["fps=30"]
    elif name == "trim_5s":
        if duration_s is None:
            raise ValueError("trim needs the source duration")
        start = float(rng.uniform(0.0, max(0.0, duration_s - excerpt_s)))
    elif name != "h264_crf28":
        raise ValueError(f"unknown attack {name!r}")
    cmd = ["ffmpeg", "-v", "error", "-y", "-ss", f"{start:.3f}", "-i", str(src), "-t", f"{excerpt_s:.3f}", "-an"]
    if vf:
        cmd += ["-vf", ",".join(vf)]
    cmd += codec + ["-pix_fmt", "yuv420p", str(dst)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    return dst


def decode_luma(path: Path, max_seconds: float | None = None) -> Iterator[np.ndarray]:
    """Yield the Y plane of each frame (what the detector needs; no colour conversion)."""
    for _, luma in luma_frames(path, max_seconds):
        yield luma


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def _encode_marked(path: Path, width: int, height: int, seconds: float, seed: int, embedder: TraceMarkEmbedder,
                   key_other: bytes, ledger_ids: np.ndarray) -> dict[str, Any]:
    """Stream frames -> mark -> libx264 CRF 18; also measures PSNR and the null detections on the way."""
    n = int(seconds * FPS)
    embed_s = encode_s = 0.0
    psnrs = []
    null_unmarked = TraceMarkDetector(embedder.key, ledger_ids)
    null_other_key = TraceMarkDetector(key_other, ledger_ids)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for i, frame in enumerate(footage(width, height, n, FPS, seed)):
            t0 = time.perf_counter()
            marked = embedder.mark(frame)
            t1 = time.perf_counter()
            for packet in stream.encode(av.VideoFrame.from_ndarray(marked, format="rgb24")):
                container.mux(packet)
            t2 = time.perf_counter()
            embed_s, encode_s = embed_s + t1 - t0, encode_s + t2 - t1
            if i % 8 == 0:
                psnrs.append(psnr(marked, frame))
            if i < 5 * FPS:
                null_unmarked.add(frame)
                null_other_key.add(marked)
        t0 = time.perf_counter()
        for packet in stream.encode():
            container.mux(packet)
        encode_s += time.perf_counter() - t0
    return {"embed_ms": 1000 * embed_s / n, "encode_ms": 1000 * encode_s / n, "psnr_db": float(np.mean(psnrs)),
            "null": [null_unmarked.result(), null_other_key.result()], "null_detector": null_unmarked}


def _null_bounds(detector: TraceMarkDetector, keys: int) -> list[float]:
    """The detector's false-positive bound on one unmarked clip under `keys` fresh random keys: each key is
    an independent chip set, so these are independent draws of the null statistic (calibration check)."""
    return [detector.result_for_key(secrets.token_bytes(32)).false_positive_probability for _ in range(keys)]


def run(quick: bool = False, trials: int | None = None, size: tuple[int, int] | None = None,
        first_trial: int = 0) -> dict[str, Any]:
    """Trials use clips first_trial .. first_trial+trials-1 (runs with different first_trial can be pooled)."""
    if not ffmpeg_available():
        raise RuntimeError("the trace-mark benchmark needs the ffmpeg command (Debian: apt-get install ffmpeg)")
    trials = trials or (1 if quick else 20)
    width, height = size or ((640, 360) if quick else (1920, 1080))
    seconds = 5.5 if quick else 8.0
    attacks = ("h264_crf28", "trim_5s") if quick else ATTACKS
    rng = np.random.default_rng(2026 + first_trial)
    key, key_other = secrets.token_bytes(32), secrets.token_bytes(32)
    per_attack: dict[str, dict[str, Any]] = {a: {"ok": 0, "blind": 0, "trials": 0, "z": [], "detect_s": []}
                                             for a in attacks}
    # a simulated ledger: this run's ids among 10,000 issued ids (the ledger-assisted detection path)
    mark_ids = [int(rng.integers(0, 2**63)) * 2 + int(rng.integers(0, 2)) for _ in range(trials)]
    ledger_ids = np.concatenate([rng.integers(0, 2**63, LEDGER_SIZE - trials, dtype=np.uint64) * np.uint64(2),
                                 np.array(mark_ids, dtype=np.uint64)])
    clips, nulls, null_bounds = [], [], []
    null_keys = 1 if quick else 10
    with tempfile.TemporaryDirectory(prefix="sora-trace-bench-") as tmp:
        for trial in range(first_trial, first_trial + trials):
            mark_id = mark_ids[trial - first_trial]
            src = Path(tmp) / f"src{trial}.mp4"
            clip = _encode_marked(src, width, height, seconds, trial, TraceMarkEmbedder(mark_id, key), key_other,
                                  ledger_ids)
            nulls += [float("inf") if d.found else d.z_score for d in clip.pop("null")]
            null_bounds += _null_bounds(clip.pop("null_detector"), null_keys)
            clips.append(clip)
            for name in attacks:
                out = attack(src, Path(tmp) / f"{name}{trial}.mp4", name, rng, 5.0, seconds)
                t0 = time.perf_counter()
                detector = TraceMarkDetector(key, ledger_ids)
                for luma in decode_luma(out):
                    detector.add(luma)
                found = detector.result()
                stats = per_attack[name]
                stats["detect_s"].append(time.perf_counter() - t0)
                stats["trials"] += 1
                stats["ok"] += int(found.mark_id == mark_id)
                stats["blind"] += int(found.mark_id == mark_id and found.alignment.get("method") == "decoded")
                stats["z"].append(found.z_score)
                out.unlink()
            src.unlink()
    embed = float(np.mean([c["embed_ms"] for c in clips]))
    encode = float(np.mean([c["encode_ms"] for c in clips]))
    return {
        "size": f"{width}x{height}", "fps": FPS, "trials": trials, "excerpt_s": 5.0,
        "ledger_ids": LEDGER_SIZE,
        "attacks": {a: {"success_rate": s["ok"] / s["trials"], "blind_rate": s["blind"] / s["trials"],
                        "trials": s["trials"], "min_z": float(np.min(s["z"])),
                        "median_z": float(np.median(s["z"])), "detect_s": float(np.mean(s["detect_s"]))}
                    for a, s in per_attack.items()},
        "psnr_db": {"min": float(np.min([c["psnr_db"] for c in clips])),
                    "mean": float(np.mean([c["psnr_db"] for c in clips]))},
        "false_positives": {"clips": 2 * trials, "found": sum(1 for z in nulls if z == float("inf")),
                            "max_z": float(np.max(nulls)), "threshold_p": MAX_FALSE_POSITIVE,
                            "calibration": {"draws": len(null_bounds), "min_bound": float(np.min(null_bounds)),
                                            "share_below_0.1": float(np.mean(np.array(null_bounds) < 0.1)),
                                            "share_below_0.5": float(np.mean(np.array(null_bounds) < 0.5))}},
        "cost": {"embed_ms_per_frame": embed, "x264_encode_ms_per_frame": encode, "ratio": embed / encode},
        "attacker": "Debian ffmpeg command line (libx264/libx265 CRF 28)",
    }


def format(result: dict[str, Any]) -> str:
    lines = [f"Trace mark: {result['trials']} clips at {result['size']} {result['fps']} fps, 5 s excerpts, "
             f"attacker: {result['attacker']}",
             f"recovered: with a ledger of {result['ledger_ids']:,} issued ids / blind (decoded, CRC)",
             f"{'attack':<16} {'recovered':>10} {'blind':>6} {'min z':>7} {'median z':>9} {'detect s':>9}"]
    for name, s in result["attacks"].items():
        lines.append(f"{name:<16} {s['success_rate']:>9.0%} {s['blind_rate']:>6.0%} {s['min_z']:>7.1f} {s['median_z']:>9.1f} "
                     f"{s['detect_s']:>9.2f}")
    p, fp, c = result["psnr_db"], result["false_positives"], result["cost"]
    lines += [f"PSNR vs unmarked: min {p['min']:.2f} dB, mean {p['mean']:.2f} dB",
              f"false positives: {fp['found']} of {fp['clips']} unmarked/other-key clips (max {fp['max_z']:.2f}: "
              f"z of the best blind candidate; reporting needs a bound < {fp['threshold_p']:g})",
              f"null calibration: {fp['calibration']['draws']} random-key draws on unmarked clips: smallest bound "
              f"{fp['calibration']['min_bound']:.2g}; share of bounds < 0.1: "
              f"{fp['calibration']['share_below_0.1']:.0%}, "
              f"< 0.5: {fp['calibration']['share_below_0.5']:.0%} (a calibrated bound gives at most 10% and 50%)",
              f"cost: embed {c['embed_ms_per_frame']:.1f} ms/frame vs libx264 encode "
              f"{c['x264_encode_ms_per_frame']:.1f} "
              f"ms/frame (ratio {c['ratio']:.2f})"]
    return "\n".join(lines)
