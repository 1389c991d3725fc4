"""Decode a file's luma frames for the provenance readers (trace-mark detector, perceptual fingerprints).

One generator so both read video the same way: the first video stream, threaded decoding, the Y plane
only (what both need; no colour conversion), times relative to the first frame, stopping after
`max_seconds`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from sora_studio.errors import BadInput


def luma_frames(path: str | os.PathLike[str], max_seconds: float | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (seconds since the first frame, uint8 Y plane [H, W]) for frames before `max_seconds`.

    Raises BadInput when the file has no video stream or cannot be decoded; frames already yielded stay
    valid, so a caller can keep what decoded before a damaged tail.
    """
    name = Path(path).name
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise BadInput(f"{name} has no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            start = None
            for frame in container.decode(stream):
                t = float(frame.time or 0.0)
                start = t if start is None else start
                if max_seconds is not None and t - start >= max_seconds:
                    break
                yield t - start, frame.to_ndarray(format="gray")
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise BadInput(f"{name} cannot be decoded ({exc})") from exc
