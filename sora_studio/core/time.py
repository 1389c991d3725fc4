"""Frame-exact time: integer frame counts at a rational rate (mirrors OTIO RationalTime/TimeRange).

A timeline has one rate; every position and duration on it is an integer number of frames at that rate.
Floats appear only at the edges (seconds shown to people, media probed by PyAV).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sora_studio.errors import BadInput

COMMON_RATES = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}


def parse_rate(value: str | int | float | Fraction) -> Fraction:
    """Read a frame rate given as 24, '24', '30000/1001', '29.97' or a Fraction; snap near-NTSC floats."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int):
        rate = Fraction(value)
    else:
        text = str(value).strip()
        if text in COMMON_RATES:
            rate = COMMON_RATES[text]
        else:
            try:
                rate = Fraction(text)
            except (ValueError, ZeroDivisionError):
                raise BadInput(f"not a frame rate: {value!r} (use e.g. 24, 25, 30000/1001)") from None
            rate = snap_rate(rate)
    if rate <= 0 or rate > 1000:
        raise BadInput(f"frame rate out of range: {value!r}")
    return rate


def snap_rate(rate: Fraction | float) -> Fraction:
    """Turn 29.97002997 (a float from a container) into 30000/1001; keep exact rates as they are."""
    rate = Fraction(rate)
    for exact in COMMON_RATES.values():
        if abs(float(rate) - float(exact)) < 1e-3:
            return exact
    return rate.limit_denominator(1001)


def frames_to_seconds(frames: int, rate: Fraction) -> Fraction:
    return Fraction(frames) / rate


def seconds_to_frames(seconds: float | Fraction, rate: Fraction) -> int:
    """Nearest whole frame for a time in seconds (half-up, exact for rational input)."""
    value = Fraction(seconds) * rate
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def rescale(frames: int, from_rate: Fraction, to_rate: Fraction) -> int:
    """A frame count at one rate as the nearest frame count at another."""
    if from_rate == to_rate:
        return frames
    return seconds_to_frames(frames_to_seconds(frames, from_rate), to_rate)


def timecode(frame: int, rate: Fraction) -> str:
    """SMPTE-style HH:MM:SS:FF using the nominal (rounded) rate; non-drop-frame."""
    nominal = max(1, round(float(rate)))
    sign = "-" if frame < 0 else ""
    frame = abs(frame)
    ff = frame % nominal
    total_seconds = frame // nominal
    return f"{sign}{total_seconds // 3600:02d}:{total_seconds // 60 % 60:02d}:{total_seconds % 60:02d}:{ff:02d}"


def parse_timecode(text: str, rate: Fraction) -> int:
    nominal = max(1, round(float(rate)))
    parts = text.strip().replace(";", ":").split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise BadInput(f"not a timecode: {text!r} (expected HH:MM:SS:FF)")
    hh, mm, ss, ff = (int(p) for p in parts)
    if mm >= 60 or ss >= 60 or ff >= nominal:
        raise BadInput(f"timecode out of range: {text!r}")
    return ((hh * 60 + mm) * 60 + ss) * nominal + ff


@dataclass(frozen=True, slots=True)
class FrameRange:
    """Half-open range [start, start + duration) in frames."""

    start: int
    duration: int

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ValueError(f"negative duration {self.duration}")

    @property
    def end(self) -> int:
        return self.start + self.duration

    def contains(self, frame: int) -> bool:
        return self.start <= frame < self.end

    def overlaps(self, other: FrameRange) -> bool:
        return self.start < other.end and other.start < self.end
