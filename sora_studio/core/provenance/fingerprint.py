"""Perceptual fingerprints: a 64-bit DCT hash every half second of video, so the ledger can recognise a file
by what it shows (after re-encoding, resizing, stripping metadata) even without the trace mark.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import cv2
import numpy as np

from sora_studio.core.provenance.frames import luma_frames

INTERVAL_S = 0.5
MATCH_BITS = 12  # a sample matches when at most this many of 64 bits differ


def frame_hash(frame: np.ndarray) -> int:
    """pHash-style: 32x32 luma -> DCT -> the 8x8 lowest frequencies (DC dropped) against their median."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray.astype(np.float32), (32, 32), interpolation=cv2.INTER_AREA)
    coeffs = cv2.dct(small)[:8, :8].ravel()[1:]
    bits = np.concatenate([[0], (coeffs > np.median(coeffs)).astype(np.uint8)])
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def fingerprints_of(frames_with_times: Iterable[tuple[float, np.ndarray]]) -> list[int]:
    """One hash per INTERVAL_S of video, from the first frame at or after each sample time."""
    hashes: list[int] = []
    next_t = 0.0
    for t, frame in frames_with_times:
        if t + 1e-6 >= next_t:
            hashes.append(frame_hash(frame))
            next_t = (len(hashes)) * INTERVAL_S
    return hashes


def frames_fingerprints(frames: np.ndarray | Iterable[np.ndarray], fps: float) -> list[int]:
    return fingerprints_of((i / float(fps), f) for i, f in enumerate(frames))


def file_fingerprints(path: str | os.PathLike[str], max_seconds: float | None = None) -> list[int]:
    """Decode a video file (luma only) and fingerprint it; BadInput when it cannot be decoded."""
    return fingerprints_of(luma_frames(path, max_seconds))


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise Hamming distances between two uint64 arrays -> [len(a), len(b)]."""
    x = np.bitwise_xor(a[:, None], b[None, :]).astype(np.uint64)
    return np.unpackbits(x.view(np.uint8).reshape(*x.shape, 8), axis=-1).sum(axis=-1)


def match_score(query: list[int], stored: list[int]) -> float:
    """Share of the query's samples that have a near-identical sample anywhere in `stored`."""
    if not query or not stored:
        return 0.0
    d = hamming(np.array(query, dtype=np.uint64), np.array(stored, dtype=np.uint64))
    return float(np.mean(d.min(axis=1) <= MATCH_BITS))
