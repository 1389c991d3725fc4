"""Where things sit on screen: frames <-> x pixels (zoom) and tracks <-> rows (video on top, highest first).

Shared by the scene, the ruler and the track headers so all three agree to the pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

from sora_studio.core.timeline.model import Timeline, Track

RULER_HEIGHT = 30
HEADER_WIDTH = 168
VIDEO_ROW = 74
AUDIO_ROW = 54
CLIP_MARGIN = 3
MIN_PPF = 0.02  # pixels per frame: about 50 s of 24 fps per 24 px when fully zoomed out
MAX_PPF = 48.0


@dataclass(frozen=True)
class Row:
    track: Track
    top: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height


class TimelineLayout:
    """Horizontal zoom plus the vertical order of tracks for one timeline."""

    def __init__(self, pixels_per_frame: float = 4.0) -> None:
        self.pixels_per_frame = pixels_per_frame
        self.rows: list[Row] = []

    def x_of(self, frame: float) -> float:
        return frame * self.pixels_per_frame

    def frame_at(self, x: float) -> int:
        return max(0, round(x / self.pixels_per_frame))

    def set_zoom(self, pixels_per_frame: float) -> None:
        self.pixels_per_frame = min(MAX_PPF, max(MIN_PPF, pixels_per_frame))

    def update_rows(self, timeline: Timeline) -> None:
        """Video tracks top-down from the highest (V2 above V1, as in every NLE), then audio A1, A2..."""
        ordered = list(reversed(timeline.video_tracks())) + timeline.audio_tracks()
        rows, top = [], 0
        for track in ordered:
            height = VIDEO_ROW if track.kind == "video" else AUDIO_ROW
            rows.append(Row(track, top, height))
            top += height
        self.rows = rows

    @property
    def total_height(self) -> int:
        return self.rows[-1].bottom if self.rows else 0

    def row_of(self, track_id: str) -> Row | None:
        return next((r for r in self.rows if r.track.id == track_id), None)

    def row_at(self, y: float) -> Row | None:
        for row in self.rows:
            if row.top <= y < row.bottom:
                return row
        return None

    def nearest_row_of_kind(self, y: float, kind: str) -> Row | None:
        """The row of a track of `kind` closest to y (clips only move between tracks of their kind)."""
        candidates = [r for r in self.rows if r.track.kind == kind]
        if not candidates:
            return None
        return min(candidates, key=lambda r: 0 if r.top <= y < r.bottom else min(abs(y - r.top), abs(y - r.bottom)))

    def ruler_step(self, rate: float) -> tuple[int, int]:
        """(major, minor) tick spacing in frames so labels sit at least ~90 px apart."""
        fps = max(1, round(rate))
        candidates = [1, 2, 5, 10, fps // 2 or 1, fps, 2 * fps, 5 * fps, 10 * fps, 15 * fps, 30 * fps, 60 * fps,
                      120 * fps, 300 * fps, 600 * fps, 1800 * fps, 3600 * fps]
        candidates = sorted({c for c in candidates if c >= 1})
        major = next((c for c in candidates if c * self.pixels_per_frame >= 90), candidates[-1])
        minor_candidates = [c for c in candidates if c < major and major % c == 0]
        minor = next((c for c in minor_candidates if c * self.pixels_per_frame >= 8), major)
        return major, minor
