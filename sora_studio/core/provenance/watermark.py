"""The visible studio mark: a small logo + "Sora Studio" that wanders over the frame, so it cannot be
cropped off or patched out at one fixed spot. Drawn once per output size with Pillow (Qt-free core),
alpha-blended per frame over a small patch only (a fraction of a millisecond at 720p).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TEXT = "Sora Studio"
OPACITY = 0.6
HEIGHT_SHARE = 0.05  # mark height as a share of the frame's short side (legible at 9:16 and 16:9)
MARGIN_SHARE = 0.03
PERIOD_X_S, PERIOD_Y_S = 23.0, 13.0  # incommensurate periods: the path covers the frame without repeating soon


def render_mark(short_side: int) -> np.ndarray:
    """RGBA uint8 image of the mark sized for a frame whose short side is `short_side` pixels."""
    height = max(14, round(short_side * HEIGHT_SHARE))
    font = ImageFont.load_default(size=max(10, round(height * 0.8)))
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), TEXT, font=font)
    logo = height
    pad = max(2, height // 6)
    width = logo + pad + (right - left) + 2 * pad
    canvas = Image.new("RGBA", (width, height + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    # a dark halo under white shapes keeps the mark readable on light and dark pictures alike
    cx, cy, r = pad + logo / 2, pad + height / 2, logo / 2 - 1
    for colour, grow, text_offset in (((0, 0, 0, 150), max(1, height // 12), 1), ((255, 255, 255, 255), 0, 0)):
        draw.ellipse((cx - r - grow, cy - r - grow, cx + r + grow, cy + r + grow), outline=colour,
                     width=max(2, height // 8) + grow)
        radii = [r * (0.55 if i % 2 == 0 else 0.22) for i in range(8)]  # a four-pointed star
        angles = [math.pi / 2 + i * math.pi / 4 for i in range(8)]
        star = [(cx + rad * math.cos(a), cy - rad * math.sin(a)) for rad, a in zip(radii, angles)]
        draw.polygon(star, fill=colour)
        tx, ty = pad + logo + pad - left + text_offset, pad + (height - (bottom - top)) / 2 - top + text_offset
        if grow:
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                draw.text((tx + dx * grow, ty + dy * grow), TEXT, font=font, fill=colour)
        else:
            draw.text((tx, ty), TEXT, font=font, fill=colour)
    return np.asarray(canvas)


def mark_position(width: int, height: int, mark_w: int, mark_h: int, seconds: float) -> tuple[int, int]:
    """Top-left corner at time `seconds`: a slow Lissajous drift inside the margins (time-based, so the
    path is the same at any frame rate)."""
    margin = round(min(width, height) * MARGIN_SHARE)
    span_x, span_y = max(0, width - mark_w - 2 * margin), max(0, height - mark_h - 2 * margin)
    fx = 0.5 - 0.5 * math.cos(2 * math.pi * seconds / PERIOD_X_S)
    fy = 0.5 - 0.5 * math.cos(2 * math.pi * seconds / PERIOD_Y_S)
    return margin + round(span_x * fx), margin + round(span_y * fy)


class VisibleWatermark:
    """FrameStamper: blends the moving mark into each frame in place."""

    def __init__(self, opacity: float = OPACITY) -> None:
        self.opacity = opacity
        self._rate = Fraction(24)
        self._size: tuple[int, int] | None = None
        self._rgb: np.ndarray | None = None
        self._alpha: np.ndarray | None = None
        self._inv_alpha: np.ndarray | None = None

    def begin(self, width: int, height: int, rate: Fraction, total_frames: int) -> None:
        self._rate = Fraction(rate)
        self._prepare(width, height)

    def _prepare(self, width: int, height: int) -> None:
        if self._size == (width, height):
            return
        rgba = render_mark(min(width, height))
        if rgba.shape[1] > width or rgba.shape[0] > height:  # absurdly small frames: crop the mark
            rgba = rgba[:height, :width]
        # integer blend: out = (bg * (256 - a) + rgb * a) >> 8, with rgb * a precomputed
        alpha = np.rint(rgba[..., 3:4].astype(np.float32) * (256.0 / 255.0) * self.opacity).astype(np.uint16)
        self._inv_alpha = (256 - alpha).astype(np.uint16)
        self._rgb = (rgba[..., :3].astype(np.uint16) * alpha).astype(np.uint16)
        self._alpha = alpha
        self._size = (width, height)

    def stamp(self, frame: np.ndarray, index: int) -> np.ndarray:
        height, width = frame.shape[:2]
        self._prepare(width, height)
        assert self._rgb is not None and self._alpha is not None
        mh, mw = self._alpha.shape[:2]
        x, y = mark_position(width, height, mw, mh, index / float(self._rate))
        patch = frame[y:y + mh, x:x + mw]
        ph, pw = patch.shape[:2]  # smaller than the mark only on absurdly small frames
        blended = patch * self._inv_alpha[:ph, :pw]
        blended += self._rgb[:ph, :pw]
        blended >>= 8
        patch[...] = blended
        return frame
