"""Visible watermark: legible size at 16:9 and 9:16, moves over time, frame-rate independent path."""

from fractions import Fraction

import numpy as np
import pytest

from sora_studio.bench.trace_mark import footage
from sora_studio.core.export.hooks import FrameStamper
from sora_studio.core.provenance.watermark import VisibleWatermark, mark_position, render_mark


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280)])
def test_mark_is_drawn_and_wanders(size):
    width, height = size
    frame = next(footage(width, height, 1, 24, seed=0))
    stamper = VisibleWatermark()
    assert isinstance(stamper, FrameStamper)
    stamper.begin(width, height, Fraction(24), 480)
    changed_boxes = []
    for index in (0, 24 * 4, 24 * 9):
        out = stamper.stamp(frame.copy(), index)
        changed = np.argwhere(np.abs(out.astype(int) - frame.astype(int)).max(axis=-1) > 20)
        (y0, x0), (y1, x1) = changed.min(axis=0), changed.max(axis=0)
        assert (y1 - y0) >= 0.04 * min(width, height)  # tall enough to read on a phone
        assert (x1 - x0) < 0.6 * width
        changed_boxes.append((x0, y0))
    assert len(set(changed_boxes)) == 3  # it moved


def test_path_depends_on_seconds_not_frames():
    w, h = render_mark(720).shape[1], render_mark(720).shape[0]
    assert mark_position(1280, 720, w, h, 2.0) == mark_position(1280, 720, w, h, 48 / 24)
    positions = {mark_position(1280, 720, w, h, t) for t in np.arange(0, 30, 0.5)}
    xs, ys = [p[0] for p in positions], [p[1] for p in positions]
    assert max(xs) - min(xs) > 800 and max(ys) - min(ys) > 400  # it travels across the frame


def test_stamping_is_in_place_and_tiny_frames_do_not_crash():
    stamper = VisibleWatermark()
    stamper.begin(64, 36, Fraction(30), 10)
    frame = np.zeros((36, 64, 3), np.uint8)
    assert stamper.stamp(frame, 3) is frame and frame.max() > 0
