"""Timeline: evented model, edits with apply/revert, history, snapping, OTIO interchange."""
