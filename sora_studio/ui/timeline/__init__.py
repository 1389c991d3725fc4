"""timeline panel of the editor."""
