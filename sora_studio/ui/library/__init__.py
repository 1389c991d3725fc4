"""library panel of the editor."""
