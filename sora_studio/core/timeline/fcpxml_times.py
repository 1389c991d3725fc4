"""Make FCPXML times safe for the otio-fcpx-xml-adapter reader before it sees them.

The adapter turns "1001/30000s"-style frame durations into int(29.97) = 29 fps and truncates every
time with int(seconds * fps), so NTSC timelines come back at the wrong rate and often a frame short.
When every <format> in the file shares one frame duration, we rewrite each time attribute to its
frame number on an integer grid (plus a thousandth of a frame, so truncation lands on the frame) and
tell the caller the true rate to relabel the timeline with afterwards. Frame counts are unchanged.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

TIME_ATTRIBUTES = ("offset", "duration", "start", "tcStart")


def _seconds(text: str) -> Fraction | None:
    if not text or not text.endswith("s"):
        return None
    try:
        return Fraction(text[:-1])
    except (ValueError, ZeroDivisionError):
        return None


def normalise_fcpxml(text: str) -> tuple[str, Fraction | None]:
    """(text for the adapter, true frame rate) — or the text unchanged and None when not applicable."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return text, None  # let the adapter report the parse error
    durations = {f.get("frameDuration") for f in root.iter("format") if f.get("frameDuration")}
    if len(durations) != 1:
        return text, None
    frame = _seconds(durations.pop() or "")
    if not frame or frame <= 0:
        return text, None
    rate = 1 / frame
    grid = max(1, round(float(rate)))
    for element in root.iter():
        if element.tag == "format" and element.get("frameDuration"):
            element.set("frameDuration", f"1/{grid}s")
        for name in TIME_ATTRIBUTES:
            seconds = _seconds(element.get(name, ""))
            if seconds is None:
                continue
            frames = round(seconds * rate)
            value = Fraction(frames * 1000 + (1 if frames >= 0 else -1), 1000 * grid) if frames else Fraction(0)
            element.set(name, "0s" if value == 0 else f"{value.numerator}/{value.denominator}s")
    return ET.tostring(root, encoding="unicode"), rate


def ntsc_fcpxml(text: str, rate: Fraction) -> str:
    """Turn FCPXML written on an integer frame grid back into exact times at `rate` (e.g. 30000/1001).

    The adapter's writer is frame-exact only at whole rates, so NTSC timelines are written at the
    nearest whole rate and every time attribute is then moved onto the true NTSC grid here.
    """
    root = ET.fromstring(text)
    grid = max(1, round(float(rate)))
    frame = 1 / rate
    for element in root.iter():
        if element.tag == "format" and element.get("frameDuration"):
            element.set("frameDuration", f"{frame.numerator}/{frame.denominator}s")
        for name in TIME_ATTRIBUTES:
            seconds = _seconds(element.get(name, ""))
            if seconds is None:
                continue
            value = round(seconds * grid) * frame
            element.set(name, "0s" if value == 0 else f"{value.numerator}/{value.denominator}s")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n{body}\n'
