"""The dialogue editor of a shot card: rows of speaker + line, add / remove / reorder, and under each line
how long it will be spoken against the shot's length, with a visible warning when it will not fit.

The widget only shows lines and reports edits (`edited` with the full new list); the panel turns them into
undoable storyboard edits and feeds the fit estimate back with `show_fit` (see dialogue_fit.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy,
                               QToolButton, QVBoxLayout, QWidget)

from sora_studio.core.storyboard.model import DialogueLine
from sora_studio.ui.storyboard.dialogue_fit import DialogueFit

OK_STYLE = "color: #8d9097;"
WARN_STYLE = "color: #f0a050; font-weight: bold;"
ERROR_STYLE = "color: #ff6b5b;"


class _Row:
    def __init__(self, owner: DialogueEditor, grid: QGridLayout, index: int) -> None:
        self.speaker = QComboBox()
        self.speaker.setEditable(True)
        self.speaker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.speaker.setMinimumWidth(90)
        self.speaker.setMaximumWidth(130)
        self.speaker.lineEdit().setPlaceholderText("Speaker")
        self.speaker.setToolTip("Who speaks: pick a speaker of this storyboard or type a new name")
        self.text = QLineEdit()
        self.text.setPlaceholderText("What they say")
        self.up = QToolButton(text="↑", toolTip="Move this line up (earlier)")
        self.down = QToolButton(text="↓", toolTip="Move this line down (later)")
        self.remove = QToolButton(text="✕", toolTip="Remove this line")
        self.fit = QLabel()
        self.fit.setWordWrap(True)
        self.fit.setStyleSheet(OK_STYLE)
        self.fit.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        self.fit.setMinimumWidth(40)
        r = 2 * index
        grid.addWidget(self.speaker, r, 0)
        grid.addWidget(self.text, r, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(1)
        for b in (self.up, self.down, self.remove):
            b.setAutoRaise(True)
            b.setFixedWidth(26)
            buttons.addWidget(b)
        grid.addLayout(buttons, r, 2)
        grid.addWidget(self.fit, r + 1, 0, 1, 3)
        self.speaker.currentTextChanged.connect(owner._on_row_edited)
        self.text.textEdited.connect(owner._on_row_edited)
        self.up.clicked.connect(lambda: owner.move_line(index, index - 1))
        self.down.clicked.connect(lambda: owner.move_line(index, index + 1))
        self.remove.clicked.connect(lambda: owner.remove_line(index))

    def widgets(self) -> tuple[QWidget, ...]:
        return self.speaker, self.text, self.up, self.down, self.remove, self.fit


class DialogueEditor(QWidget):
    edited = Signal(list)  # list[DialogueLine]: the shot's new dialogue

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[_Row] = []
        self._speakers: list[str] = []
        self._filling = False
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(1)
        self.grid.setColumnStretch(1, 1)
        self.add_button = QPushButton("Add line")
        self.add_button.setToolTip("Add a dialogue line (spoken by a TTS voice, one audio track per speaker)")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("dialogue-summary")
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        self.summary.setMinimumWidth(40)
        foot = QHBoxLayout()
        foot.addWidget(self.add_button)
        foot.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.grid)
        layout.addLayout(foot)
        self.add_button.clicked.connect(self.add_line)

    # -- model -> view ---------------------------------------------------------------------
    def lines(self) -> list[DialogueLine]:
        return [DialogueLine(r.speaker.currentText().strip(), r.text.text()) for r in self.rows]

    def set_lines(self, lines: list[DialogueLine], speakers: list[str]) -> None:
        """Show `lines`; rows are rebuilt only when their number changes (typing keeps its cursor)."""
        self._filling = True
        try:
            if len(lines) != len(self.rows):
                self._rebuild(len(lines))
            self._speakers = list(speakers)
            for row, line in zip(self.rows, lines):
                if [row.speaker.itemText(i) for i in range(row.speaker.count())] != self._speakers \
                        and not row.speaker.hasFocus():
                    row.speaker.clear()
                    row.speaker.addItems(self._speakers)
                if row.speaker.currentText() != line.speaker:
                    row.speaker.setCurrentText(line.speaker)
                if row.text.text() != line.text:
                    row.text.setText(line.text)
                    if not row.text.hasFocus():
                        row.text.setCursorPosition(0)  # show the start of a long line
            for i, row in enumerate(self.rows):
                row.up.setEnabled(i > 0)
                row.down.setEnabled(i < len(self.rows) - 1)
        finally:
            self._filling = False

    def _rebuild(self, count: int) -> None:
        for row in self.rows:
            for w in row.widgets():
                self.grid.removeWidget(w)
                w.deleteLater()
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.layout() is not None:
                item.layout().deleteLater()
        self.rows = [_Row(self, self.grid, i) for i in range(count)]
        for row in self.rows:
            row.speaker.addItems(self._speakers)
            row.speaker.setCurrentText("")
        self.summary.setText("" if count else "No dialogue in this shot.")
        self.summary.setStyleSheet(OK_STYLE)

    def show_fit(self, fit: DialogueFit | None, pending: bool = False) -> None:
        """Show each line's spoken length against the shot (None: clear). `pending`: a new estimate is coming."""
        if fit is None or len(fit.lines) != len(self.rows):
            for row in self.rows:
                row.fit.setText("estimating spoken length…" if pending else "")
                row.fit.setStyleSheet(OK_STYLE)
            self.summary.setText("" if self.rows else "No dialogue in this shot.")
            return
        for number, (row, line) in enumerate(zip(self.rows, fit.lines), start=1):
            if line is None:
                row.fit.setText("not spoken: give it a speaker and a line" if self.rows else "")
                row.fit.setStyleSheet(ERROR_STYLE)
            elif line.fits:
                row.fit.setText(f"≈ {line.seconds:.1f} s spoken, {line.offset_s:.1f}–{line.offset_s + line.seconds:.1f}"
                                f" s of the {fit.shot_seconds:g} s shot")
                row.fit.setStyleSheet(OK_STYLE)
            elif line.late:
                row.fit.setText(f"⚠ Does not fit: the lines before it already fill the {fit.shot_seconds:g} s "
                                "shot, so it would start after the shot ends. Shorten the dialogue or lengthen "
                                "the shot.")
                row.fit.setStyleSheet(WARN_STYLE)
            else:
                room = max(0.0, fit.shot_seconds - line.offset_s)
                row.fit.setText(f"⚠ Too long: ≈ {line.seconds:.1f} s spoken but only {room:.1f} s of the "
                                f"{fit.shot_seconds:g} s shot remain, so it is cut {line.overrun_s:.1f} s early. "
                                "Shorten the line or lengthen the shot.")
                row.fit.setStyleSheet(WARN_STYLE)
            row.fit.setProperty("fits", line is not None and line.fits)
            row.fit.setToolTip(f"line {number}: estimated with the text-to-speech voice the audio pass uses")
        if fit.problem:
            self.summary.setText(f"Cannot estimate spoken length: {fit.problem}")
            self.summary.setStyleSheet(ERROR_STYLE)
        elif not fit.fits:
            over = sum(1 for f in fit.lines if f is not None and not f.fits)
            self.summary.setText(f"⚠ {over} line{'s' if over > 1 else ''} will not fit the shot")
            self.summary.setStyleSheet(WARN_STYLE)
        else:
            self.summary.setText("")

    # -- view -> model ---------------------------------------------------------------------
    @Slot()
    def _on_row_edited(self, *_args: object) -> None:
        if not self._filling:
            self.edited.emit(self.lines())

    @Slot()
    def add_line(self) -> None:
        lines = self.lines()
        last = lines[-1].speaker if lines else ""
        others = [s for s in self._speakers if s != last]
        speaker = lines[-2].speaker if len(lines) >= 2 else (others[0] if others else last)  # a conversation
        lines.append(DialogueLine(speaker, ""))
        self.edited.emit(lines)
        if self.rows:
            self.rows[-1].text.setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_line(self, index: int) -> None:
        lines = self.lines()
        if 0 <= index < len(lines):
            del lines[index]
            self.edited.emit(lines)

    def move_line(self, index: int, to: int) -> None:
        lines = self.lines()
        if 0 <= index < len(lines) and 0 <= to < len(lines) and index != to:
            lines.insert(to, lines.pop(index))
            self.edited.emit(lines)
