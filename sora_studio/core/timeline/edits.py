"""All timeline edits in one namespace: `from sora_studio.core.timeline import edits`.

Each edit has `label`, `apply(timeline)`, `revert(timeline)`, `merge_key` and `merge_with(other)`; see
edit_base.py for the contract and docs/timeline.md for the editorial semantics of each one.
"""

from sora_studio.core.timeline.clip_edits import (
    AppendClip,
    CloseGap,
    InsertClip,
    Lift,
    MoveClips,
    OverwriteClip,
    Placement,
    RenameClip,
    RippleDelete,
    SetClipEnabled,
    SetClipGain,
    SplitClips,
    TrimClip,
)
from sora_studio.core.timeline.edit_base import ClipEdit, CompoundEdit, Edit
from sora_studio.core.timeline.track_edits import (
    TRACK_FLAGS,
    AddMarker,
    AddTake,
    AddTrack,
    MoveMarker,
    MoveTrack,
    RemoveMarker,
    RemoveTake,
    RemoveTrack,
    SetActiveTake,
    SetTrackFlag,
    SetTrackProperty,
)

__all__ = [
    "AddMarker",
    "AddTake",
    "AddTrack",
    "AppendClip",
    "ClipEdit",
    "CloseGap",
    "CompoundEdit",
    "Edit",
    "InsertClip",
    "Lift",
    "MoveClips",
    "MoveMarker",
    "MoveTrack",
    "OverwriteClip",
    "Placement",
    "RemoveMarker",
    "RemoveTake",
    "RemoveTrack",
    "RenameClip",
    "RippleDelete",
    "SetActiveTake",
    "SetClipEnabled",
    "SetClipGain",
    "SetTrackFlag",
    "SetTrackProperty",
    "SplitClips",
    "TRACK_FLAGS",
    "TrimClip",
]
