"""Qt-free core of Sora Studio. Nothing under this package may import PySide6 (checked by import-linter)."""
