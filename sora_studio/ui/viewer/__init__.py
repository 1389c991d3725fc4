"""viewer panel of the editor."""
