"""Real small media files (H.264/AAC through core.media.encode) for the project tests."""

from __future__ import annotations

import numpy as np
import pytest

from sora_studio.core.media.encode import write_clip


def _frames(count: int, size: int = 32) -> np.ndarray:
    ramp = np.linspace(0, 255, count, dtype=np.uint8)
    return np.broadcast_to(ramp[:, None, None, None], (count, size, size, 3)).copy()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    """A folder with: 'clip one.mp4' (24 frames at 24 fps with stereo audio), 'short.mp4' (6 frames, no
    audio), and 'not video.mp4' (text pretending to be video)."""
    folder = tmp_path_factory.mktemp("media")
    write_clip(folder / "clip one.mp4", _frames(24), 24, audio=np.zeros((2, 48000), dtype=np.float32))
    write_clip(folder / "short.mp4", _frames(6), 24)
    (folder / "not video.mp4").write_text("this is not a video", encoding="utf-8")
    return folder
