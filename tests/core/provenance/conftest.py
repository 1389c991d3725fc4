"""Small real media for the provenance tests (a natural-looking clip, not flat colour)."""

import numpy as np
import pytest

from sora_studio.bench.trace_mark import footage
from sora_studio.core.media.encode import write_clip


@pytest.fixture(scope="session")
def small_clip(tmp_path_factory):
    """A 2 s 320x180 H.264 file made by the studio's encoder (unsigned)."""
    frames = np.stack(list(footage(320, 180, 48, 24, seed=2)))
    return write_clip(tmp_path_factory.mktemp("prov-media") / "clip.mp4", frames, 24)
