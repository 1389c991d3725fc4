"""Snapping: pull a dragged frame onto the nearest clip edge, the playhead or a marker."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sora_studio.core.timeline.model import Timeline


def snap_targets(timeline: Timeline, playhead: int | None = None, exclude_clip_ids: Collection[str] = ()) -> list[int]:
    """Sorted distinct frames worth snapping to: 0, clip starts/ends, playhead, markers."""
    targets = {0}
    for _, clip in timeline.clips():
        if clip.id not in exclude_clip_ids:
            targets.update((clip.start, clip.end))
    if playhead is not None:
        targets.add(playhead)
    targets.update(m.frame for m in timeline.markers)
    return sorted(targets)


def snap(
    frame: int,
    timeline: Timeline,
    playhead: int | None = None,
    threshold: int = 5,
    exclude_clip_ids: Collection[str] = (),
) -> int | None:
    """The nearest target within `threshold` frames of `frame` (ties go to the earlier one), else None."""
    best: int | None = None
    for target in snap_targets(timeline, playhead, exclude_clip_ids):
        distance = abs(target - frame)
        if distance <= threshold and (best is None or distance < abs(best - frame)):
            best = target
    return best


def snap_delta(
    edges: Iterable[int],
    timeline: Timeline,
    playhead: int | None = None,
    threshold: int = 5,
    exclude_clip_ids: Collection[str] = (),
) -> int | None:
    """Correction to add to a drag so that one of `edges` (e.g. a clip's start and end) lands on a target.

    Returns the smallest correction within the threshold, or None when no edge is close to a target.
    """
    targets = snap_targets(timeline, playhead, exclude_clip_ids)
    best: int | None = None
    for edge in edges:
        for target in targets:
            delta = target - edge
            if abs(delta) <= threshold and (best is None or abs(delta) < abs(best)):
                best = delta
    return best
