"""Shot cards in the dock's list: their text, a thumbnail-sized icon, and the keys the list answers to."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from sora_studio.core.storyboard.model import Shot

CARD_ICON = QSize(56, 34)
_placeholder: QIcon | None = None


def placeholder_icon() -> QIcon:
    """A dim empty frame the size of a thumbnail, so cards without a first image line up with those with one."""
    global _placeholder
    if _placeholder is None:
        pixmap = QPixmap(CARD_ICON)
        pixmap.fill(QColor("#141517"))
        painter = QPainter(pixmap)
        painter.setPen(QColor("#3a3d44"))
        painter.drawRect(0, 0, CARD_ICON.width() - 1, CARD_ICON.height() - 1)
        painter.end()
        _placeholder = QIcon(pixmap)
    return _placeholder


def card_text(index: int, shot: Shot) -> str:
    """Three lines: number and title/prompt; duration, framing, transition, seed, takes; what else it has."""
    head = f"{index + 1}. {shot.title or ' '.join(shot.prompt.split())[:60]}"
    parts = [f"{shot.seconds:g}s", shot.size, shot.camera]
    parts += ["continues"] if shot.transition == "continue" else []
    parts += [f"seed {shot.seed}"] if shot.seed is not None else []
    parts += [f"{shot.variations} takes"] if shot.variations > 1 else []
    parts += [shot.style] if shot.style else []
    extra = [" ".join(f"@{n}" for n in shot.cameos)] if shot.cameos else []
    extra += [f"{len(shot.dialogue)} line{'s' if len(shot.dialogue) > 1 else ''}"] if shot.dialogue else []
    extra += ["sound"] if shot.sound.strip() else []
    extra += ["first+last image" if shot.last_image else "first image"] if shot.image else []
    return "\n".join([head, " · ".join(parts)] + ([" · ".join(extra)] if extra else []))


class CardKeys(QObject):
    """Keys on the card list; claimed before the editor's window shortcuts (Delete deletes clips there)."""

    def __init__(self, panel: Any) -> None:
        super().__init__(panel)
        self.panel = panel

    def _action(self, event: Any) -> Any:
        key, mods = event.key(), event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        alt = mods == Qt.KeyboardModifier.AltModifier
        if mods == Qt.KeyboardModifier.NoModifier and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            return self.panel.remove_shot
        if mods == Qt.KeyboardModifier.NoModifier and key == Qt.Key.Key_Insert:
            return self.panel.add_shot
        if alt and key == Qt.Key.Key_Up:
            return lambda: self.panel.move_current(-1)
        if alt and key == Qt.Key.Key_Down:
            return lambda: self.panel.move_current(1)
        if mods == Qt.KeyboardModifier.NoModifier and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return lambda: self.panel.form.prompt.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._action(event) is not None:
            event.accept()
            return True
        if event.type() == QEvent.Type.KeyPress:
            action = self._action(event)
            if action is not None:
                action()
                return True
        return False
