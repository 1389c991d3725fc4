"""Dark theme: Fusion style + a dark palette (for what style sheets don't reach) + resources/themes/dark.qss."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from sora_studio.core.resources import resource_path

# colours shared by custom-painted widgets (timeline, viewer) so they match the style sheet
BACKGROUND = QColor("#1e1f22")
PANEL = QColor("#15161a")
TRACK_ROW = QColor("#1b1d21")
TRACK_ROW_ALT = QColor("#202227")
GRID = QColor("#2a2c31")
TEXT = QColor("#d8d9dc")
TEXT_DIM = QColor("#8d9097")
ACCENT = QColor("#3d6fb6")
PLAYHEAD = QColor("#ff4b4b")
MARKER = QColor("#52c41a")
IN_OUT = QColor(240, 192, 80, 60)
VIDEO_CLIP = QColor("#3a5f9a")
AUDIO_CLIP = QColor("#2f7a5a")
DISABLED_CLIP = QColor("#4a4c52")
MISSING = QColor("#c0392b")
SELECTION = QColor("#f0c050")


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1e1f22",
        QPalette.ColorRole.WindowText: "#d8d9dc",
        QPalette.ColorRole.Base: "#141517",
        QPalette.ColorRole.AlternateBase: "#1b1c1f",
        QPalette.ColorRole.Text: "#d8d9dc",
        QPalette.ColorRole.Button: "#2d3035",
        QPalette.ColorRole.ButtonText: "#d8d9dc",
        QPalette.ColorRole.Highlight: "#3d6fb6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2d3035",
        QPalette.ColorRole.ToolTipText: "#e8e9eb",
        QPalette.ColorRole.PlaceholderText: "#6b6e75",
        QPalette.ColorRole.Link: "#6a9be0",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#60636a"))
    app.setPalette(palette)
    qss = resource_path("themes", "dark.qss")
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
