"""Out-of-process inference worker and its client."""
