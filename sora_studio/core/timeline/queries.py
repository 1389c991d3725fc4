"""Read-only questions about a timeline that the UI, export and the CLI share."""

from __future__ import annotations

from sora_studio.core.timeline.model import Clip, Timeline, Track


def clips_at(timeline: Timeline, frame: int) -> list[tuple[Track, Clip]]:
    """Every clip under a frame, bottom track first."""
    found = []
    for track in timeline.tracks:
        clip = track.clip_at(frame)
        if clip is not None:
            found.append((track, clip))
    return found


def linked_clips(timeline: Timeline, clip_id: str) -> list[tuple[Track, Clip]]:
    """The clip and every clip sharing its link group."""
    _, clip = timeline.find_clip(clip_id)
    if not clip.link_group:
        return [timeline.find_clip(clip_id)]
    return [(t, c) for t, c in timeline.clips() if c.link_group == clip.link_group]


def gaps(track: Track) -> list[tuple[int, int]]:
    """(start, duration) of the empty stretches between clips (not after the last one)."""
    result, position = [], 0
    for clip in track.clips:
        if clip.start > position:
            result.append((position, clip.start - position))
        position = max(position, clip.end)
    return result


def edit_points(timeline: Timeline) -> list[int]:
    """Sorted frames where some clip starts or ends (for next/previous edit navigation)."""
    points = {0}
    for _, clip in timeline.clips():
        points.update((clip.start, clip.end))
    return sorted(points)


def next_edit_point(timeline: Timeline, frame: int) -> int | None:
    return next((p for p in edit_points(timeline) if p > frame), None)


def previous_edit_point(timeline: Timeline, frame: int) -> int | None:
    return next((p for p in reversed(edit_points(timeline)) if p < frame), None)


def stats(timeline: Timeline) -> dict[str, int]:
    return {
        "video_tracks": len(timeline.video_tracks()),
        "audio_tracks": len(timeline.audio_tracks()),
        "clips": sum(len(t.clips) for t in timeline.tracks),
        "markers": len(timeline.markers),
        "duration_frames": timeline.duration,
    }
