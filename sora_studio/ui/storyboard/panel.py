"""The storyboard dock: global settings, ordered shot cards (drag or Alt+Up/Down to reorder), the selected
shot's fields, and Generate / Regenerate shot (new takes on its clip, in place) / Generate all.

The panel edits a core Storyboard (kept in project.metadata["storyboard"]). Every change is an undoable
edit (edits.py) pushed on the session's undo stack, applied through the Storyboard's own methods, which
refuse invalid values and change nothing; the refusal is shown under the field it names. A moment after
each change the whole storyboard is checked with the core's rules (validation.py) and every problem is
shown on its card and, for the selected shot, under the offending field. Dialogue lines show how long
they will be spoken (dialogue_fit.py) and warn when they will not fit the shot. Import… / Export… read and
write storyboard files (files.py). `set_storyboard` is for a newly loaded project: the session clears its
undo stack then, so no earlier edit can reach the new storyboard.

Keys (with the dock focused): Ctrl+Shift+N add a shot after the selected one; on the card list Insert adds,
Delete / Backspace removes, Alt+Up / Alt+Down move the selected shot; Enter jumps to its prompt;
Ctrl+Enter generates the selected shot.

While a run goes, a bar shows the current shot's denoising steps (busy while its sound is made); Stop cancels
the engine job at once (runner.py). Closing the dock stops the run; quitting the app also shuts the engine
worker down.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QDockWidget, QFrame, QGroupBox, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QProgressBar, QPushButton, QScrollArea, QSplitter, QStyle,
                               QVBoxLayout, QWidget)

from sora_studio.core.storyboard.model import Shot, Storyboard
from sora_studio.core.storyboard.run import STORYBOARD_KEY
from sora_studio.core.storyboard.timeline_link import find_shot_clip
from sora_studio.errors import StudioError
from sora_studio.ui.storyboard.cards import CARD_ICON, CardKeys, card_text, placeholder_icon
from sora_studio.ui.storyboard.dialogue_fit import DialogueFitEstimator, DialogueFitView
from sora_studio.ui.storyboard.edits import AddShot, MoveShot, RemoveShot, StoryboardEdit, UpdateSettings, UpdateShot
from sora_studio.ui.storyboard.files import StoryboardFiles
from sora_studio.ui.storyboard.image_picker import ImagePicker
from sora_studio.ui.storyboard.runner import StoryboardRunner
from sora_studio.ui.storyboard.settings_form import SettingsForm
from sora_studio.ui.storyboard.shot_form import ShotForm
from sora_studio.ui.storyboard.validation import (PlanCache, Problems, default_shot_seconds, find_problems,
                                                  last_image_blocked)
from sora_studio.ui.undo import push_edit

SHOT_ROLE = Qt.ItemDataRole.UserRole
CHECK_DELAY_MS = 250


class StoryboardPanel(QWidget):
    def __init__(self, session: Any, generator_factory: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.storyboard = Storyboard()
        self.problems = Problems()
        self._plans = PlanCache()
        self.runner = StoryboardRunner(session, generator_factory, self)
        self.fit = DialogueFitEstimator(self)
        self._filling = False
        self._pushing = False
        self._last_merge: tuple[Any, int] | None = None  # (merge key, gesture) of the last typed edit
        self._refusal: tuple[str, str, str] | None = None  # (shot id, key, message) of the last refused edit
        self._thumbs: dict[str, QIcon] = {}
        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_now)

        self.settings_form = SettingsForm()
        self.total = QLabel()
        self.total.setStyleSheet("color: #8d9097;")
        settings_box = QGroupBox("Storyboard")
        settings_layout = QVBoxLayout(settings_box)
        settings_layout.setContentsMargins(6, 4, 6, 4)
        settings_layout.addWidget(self.settings_form)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Replace this storyboard with a storyboard file (.toml); Ctrl+Z undoes it")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save this storyboard as a file (.toml) for `sora-studio storyboard run`")
        self.files = StoryboardFiles(self)
        footer = QHBoxLayout()
        footer.addWidget(self.total, 1)
        footer.addWidget(self.import_button)
        footer.addWidget(self.export_button)
        settings_layout.addLayout(footer)

        self.cards = QListWidget()
        self.cards.setObjectName("storyboard-cards")
        self.cards.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.cards.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.cards.setIconSize(CARD_ICON)
        self.cards.setWordWrap(True)
        self.cards.setAlternatingRowColors(True)
        self.cards.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.cards.setToolTip("Shot cards in order: drag or Alt+Up/Down to reorder, Insert adds, Delete removes")
        self.cards.installEventFilter(CardKeys(self))
        self.cards.model().rowsMoved.connect(self._on_rows_moved)
        self.cards.currentItemChanged.connect(self._on_current_changed)

        self.form = ShotForm()
        self.fit_view = DialogueFitView(self.form.dialogue, self.fit)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(2, 4, 8, 4)
        inner_layout.addWidget(self.form)
        inner_layout.addStretch(1)
        scroll.setWidget(inner)
        self.scroll = scroll
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.cards)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([190, 700])  # three cards visible; the form scrolls
        self.cards.setMinimumHeight(90)

        self.add_button = QPushButton("Add shot")
        self.add_button.setToolTip("Add a shot after the selected one (Ctrl+Shift+N; Insert on the card list)")
        self.remove_button = QPushButton("Delete")
        self.remove_button.setToolTip("Delete the selected shot (Delete on the card list; Ctrl+Z brings it back)")
        self.up_button = QPushButton("↑")
        self.up_button.setToolTip("Move the selected shot earlier (Alt+Up on the card list)")
        self.down_button = QPushButton("↓")
        self.down_button.setToolTip("Move the selected shot later (Alt+Down on the card list)")
        self.generate_shot_button = QPushButton("Generate shot")
        self.generate_shot_button.setToolTip("Generate the selected shot (Ctrl+Enter); a shot already on the "
                                             "timeline gets new takes on its clip, in place")
        self.generate_all_button = QPushButton("Generate all")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the run now: the shot being made is dropped, the shots placed stay")
        self.stop_button.setEnabled(False)
        self.shot_progress = QProgressBar()
        self.shot_progress.setObjectName("storyboard-progress")
        self.shot_progress.setFormat("step %v of %m")
        self.shot_progress.setVisible(False)
        edit_row, run_row = QHBoxLayout(), QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            edit_row.addWidget(b, 0 if b in (self.up_button, self.down_button) else 1)
        for b in (self.generate_shot_button, self.generate_all_button, self.stop_button):
            run_row.addWidget(b)
        self.status = QLabel()
        self.status.setObjectName("storyboard-status")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(settings_box)
        layout.addWidget(splitter, 1)
        layout.addLayout(edit_row)
        layout.addLayout(run_row)
        layout.addWidget(self.shot_progress)
        layout.addWidget(self.status)

        self.import_button.clicked.connect(self.files.import_file)
        self.export_button.clicked.connect(self.files.export_file)
        self.add_button.clicked.connect(self.add_shot)
        self.remove_button.clicked.connect(self.remove_shot)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.generate_shot_button.clicked.connect(self.generate_current)
        self.generate_all_button.clicked.connect(self.generate_all)
        self.stop_button.clicked.connect(self.runner.stop)
        self.cards.itemActivated.connect(lambda _item: self.form.prompt.setFocus())
        self.runner.message.connect(self.status.setText)
        self.runner.problem.connect(self._on_run_problem)
        self.runner.finished.connect(self._on_run_finished)
        self.runner.progress.connect(self._on_step)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.runner.close)
        self.form.edited.connect(self._on_field_edited)
        self.settings_form.edited.connect(self._on_settings_edited)
        self._shortcut("Ctrl+Shift+N", self.add_shot)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            self._shortcut(keys, self.generate_current)
        session.undo_stack.indexChanged.connect(self._on_undo_index)
        session.timeline_changed.connect(self._update_buttons)
        session.project_changed.connect(self.load_from_project)
        self.load_from_project()

    def _shortcut(self, keys: str, slot: Any) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # -- model <-> view ----------------------------------------------------------------------
    @Slot()
    def load_from_project(self) -> None:
        project = self.session.project
        data = getattr(project, "metadata", {}).get(STORYBOARD_KEY) if project is not None else None
        self.set_storyboard(Storyboard.from_dict(data) if isinstance(data, dict) else Storyboard())

    def set_storyboard(self, storyboard: Storyboard) -> None:
        if self.storyboard is not storyboard:
            self.storyboard.changed.disconnect(self._on_storyboard_changed)
        self.storyboard = storyboard
        storyboard.changed.connect(self._on_storyboard_changed)
        self._last_merge = self._refusal = None
        self.settings_form.fill(storyboard.settings)
        self._refill()
        self.check_now()

    def current_shot(self) -> Shot | None:
        item = self.cards.currentItem()
        return self.storyboard.shot(item.data(SHOT_ROLE)) if item is not None else None

    def _refill(self) -> None:
        current = self.cards.currentItem().data(SHOT_ROLE) if self.cards.currentItem() else None
        self._filling = True
        self.cards.clear()
        for i, shot in enumerate(self.storyboard.shots):
            item = QListWidgetItem(card_text(i, shot))
            item.setData(SHOT_ROLE, shot.id)
            self.cards.addItem(item)
            self._decorate(item, shot)
            if shot.id == current:
                self.cards.setCurrentItem(item)
        self._filling = False
        if self.cards.currentItem() is None and self.cards.count():
            self.cards.setCurrentRow(0)
        self._fill_form()

    def _item(self, shot_id: str) -> QListWidgetItem | None:
        for row in range(self.cards.count()):
            if self.cards.item(row).data(SHOT_ROLE) == shot_id:
                return self.cards.item(row)
        return None

    def _decorate(self, item: QListWidgetItem, shot: Shot) -> None:
        """A problem: warning icon and the message as tooltip; else the first image as the card's thumbnail."""
        problem = self.problems.for_shot(shot.id)
        if problem is not None:
            item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            item.setToolTip(problem[1])
        else:
            item.setIcon(self._thumbnail(shot.image) if shot.image else placeholder_icon())
            item.setToolTip(shot.prompt)

    def _thumbnail(self, path: str) -> QIcon:
        if path not in self._thumbs:
            pixmap = ImagePicker._thumbnail(path)
            self._thumbs[path] = placeholder_icon() if pixmap.isNull() else QIcon(pixmap)
        return self._thumbs[path]

    def _fill_form(self) -> None:
        shot = self.current_shot()
        self.form.fill(shot, self._speakers())
        self._show_shot_problem()
        self._update_buttons()
        self.fit_view.follow(self.current_shot(), self.storyboard)

    def _speakers(self) -> list[str]:
        return list(dict.fromkeys(line.speaker.strip() for s in self.storyboard.shots for line in s.dialogue
                                  if line.speaker.strip()))

    def _on_storyboard_changed(self, reason: str, *args: Any) -> None:
        project = self.session.project
        if project is not None:
            project.metadata[STORYBOARD_KEY] = self.storyboard.to_dict()
            project.mark_dirty()
        if reason == "shot" and args:
            item = self._item(args[0])
            if item is not None:
                item.setText(card_text(self.cards.row(item), self.storyboard.shot(args[0])))
            if self.current_shot() is not None and self.current_shot().id == args[0]:
                self._fill_form()
        elif reason == "settings":
            self.settings_form.fill(self.storyboard.settings)
            self._fill_form()
        else:
            self._refill()
        self._check_timer.start()

    @Slot()
    def check_now(self) -> None:
        """Check the whole storyboard now (normally a moment after the last change) and show the problems."""
        self._check_timer.stop()
        self.problems = find_problems(self.storyboard, self._plans)
        for row in range(self.cards.count()):
            item = self.cards.item(row)
            self._decorate(item, self.storyboard.shot(item.data(SHOT_ROLE)))
        self.settings_form.show_problems(self.problems.settings)
        seconds = self.storyboard.total_seconds
        self.total.setText(f"{len(self.storyboard.shots)} shot{'s' if len(self.storyboard.shots) != 1 else ''}, "
                           f"{seconds:g} s of {self.storyboard.settings.max_seconds:g} s")
        self._show_shot_problem()

    def _show_shot_problem(self) -> None:
        shot = self.current_shot()
        if shot is None:
            self.form.show_problem(None, "")
            return
        index = self.storyboard.index(shot.id)
        self.form.last_image.set_blocked(last_image_blocked(self.storyboard, shot, index))
        if self._refusal is not None and self._refusal[0] == shot.id:
            self.form.show_problem(self._refusal[1], self._refusal[2])
        else:
            found = self.problems.for_shot(shot.id)
            self.form.show_problem(*(found or (None, "")))

    # -- edits (undoable) --------------------------------------------------------------------
    def push(self, edit: StoryboardEdit, merge: bool = False) -> bool:
        """Apply `edit` and put it on the session's undo stack; False (the reason shown) when refused.
        `merge`: consecutive edits of the same field (typing) become one undo step."""
        gesture = None
        if merge:
            if self._last_merge is None or self._last_merge[0] != edit.merge_key:
                self._last_merge = (edit.merge_key, self.session.begin_gesture())
            gesture = self._last_merge[1]
        else:
            self._last_merge = None
        self._pushing = True
        try:
            push_edit(self.session.undo_stack, self.storyboard, edit, gesture)
        except StudioError as exc:
            shot_id = getattr(exc, "shot_id", None) or getattr(edit, "shot_id", None)
            self._refusal = (shot_id, getattr(exc, "key", None) or "prompt", str(exc)) if shot_id else None
            self.status.setText(str(exc))
            self._show_shot_problem()
            if not shot_id:
                self.settings_form.show_problems({"": str(exc)})
            return False
        finally:
            self._pushing = False
        if self._refusal is not None:
            self._refusal = None
            self._show_shot_problem()
        self.status.setText("")
        return True

    @Slot(int)
    def _on_undo_index(self, _index: int) -> None:
        if not self._pushing:
            self._last_merge = None  # an undo/redo ends the typing gesture
            self._refusal = None

    @Slot(str, object)
    def _on_field_edited(self, field: str, value: Any) -> None:
        shot = self.current_shot()
        if shot is None or self.form.filling or getattr(shot, field) == value:
            return
        typing = field in ("prompt", "title", "negative_prompt", "sound", "seconds", "seed") or (
            field == "dialogue" and len(value) == len(shot.dialogue))  # adding/removing a line is its own step
        self.push(UpdateShot(shot.id, **{field: value}), merge=typing)

    @Slot(dict)
    def _on_settings_edited(self, values: dict) -> None:
        if all(getattr(self.storyboard.settings, k) == v for k, v in values.items()):
            return
        if not self.push(UpdateSettings(**values), merge="resolution" in values):
            self.settings_form.fill(self.storyboard.settings)

    @Slot()
    def _on_current_changed(self, *_args: Any) -> None:
        if not self._filling:
            self._last_merge = None
            self._fill_form()

    @Slot()
    def _on_rows_moved(self, *_args: Any) -> None:
        order = [self.cards.item(i).data(SHOT_ROLE) for i in range(self.cards.count())]
        for index, shot_id in enumerate(order):
            if self.storyboard.index(shot_id) != index:
                self.push(MoveShot(shot_id, index))
                return  # one drag moves one card; the refill puts the list in the model's order

    # -- actions -----------------------------------------------------------------------------
    @Slot()
    def add_shot(self) -> None:
        index = self.cards.currentRow() + 1 if self.cards.currentItem() else None
        shot = Shot("describe the shot", seconds=default_shot_seconds(self.storyboard))
        if self.push(AddShot(shot, index)):
            self.cards.setCurrentRow(self.storyboard.index(shot.id))

    @Slot()
    def remove_shot(self) -> None:
        shot = self.current_shot()
        if shot is not None:
            row = self.cards.currentRow()
            if self.push(RemoveShot(shot.id)) and self.cards.count():
                self.cards.setCurrentRow(min(row, self.cards.count() - 1))

    def move_current(self, step: int) -> None:
        shot = self.current_shot()
        if shot is None:
            return
        target = self.storyboard.index(shot.id) + step
        if 0 <= target < len(self.storyboard.shots) and self.push(MoveShot(shot.id, target)):
            self.cards.setCurrentRow(target)

    @Slot()
    def generate_current(self) -> None:
        shot = self.current_shot()
        if shot is not None and self.runner.start(self.storyboard, [shot.id]):
            self._set_running(True)

    @Slot()
    def generate_all(self) -> None:
        if self.runner.start(self.storyboard):
            self._set_running(True)

    @Slot(object)
    def _on_run_problem(self, exc: Exception) -> None:
        """A run refused before it started: select the shot it names and show it under the field."""
        shot_id, key = getattr(exc, "shot_id", None), getattr(exc, "key", None)
        item = self._item(shot_id) if shot_id else None
        if item is not None:
            self.cards.setCurrentItem(item)
            self._refusal = (shot_id, key or "prompt", str(exc))
            self._show_shot_problem()
        elif shot_id == "settings":
            self.settings_form.show_problems({key or "": str(exc)})

    @Slot(bool)
    def _on_run_finished(self, _ok: bool) -> None:
        self._set_running(False)

    @Slot(int, int)
    def _on_step(self, step: int, steps: int) -> None:
        """The runner's per-step progress (queued to the GUI thread); steps 0: busy (the sound pass)."""
        if not self.runner.busy:
            return  # a late step of a stopped run
        self.shot_progress.setRange(0, max(steps, 0))
        self.shot_progress.setValue(min(step, steps))
        self.shot_progress.setTextVisible(steps > 0)
        self.shot_progress.setVisible(True)

    def _set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)
        if not running:
            self.shot_progress.setVisible(False)
            self.shot_progress.reset()
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        shot = self.current_shot()
        running = self.runner.busy
        row = self.cards.currentRow()
        self.remove_button.setEnabled(shot is not None)
        self.up_button.setEnabled(shot is not None and row > 0)
        self.down_button.setEnabled(shot is not None and row < self.cards.count() - 1)
        self.generate_all_button.setEnabled(not running)
        self.generate_shot_button.setEnabled(not running and shot is not None)
        placed = shot is not None and find_shot_clip(self.session.timeline, shot.id) is not None
        self.generate_shot_button.setText("Regenerate shot" if placed else "Generate shot")

    def event(self, event: Any) -> bool:
        if event.type() == QEvent.Type.ParentChange and isinstance(self.parentWidget(), QDockWidget):
            self.parentWidget().installEventFilter(self)  # closing the dock stops the run
        return super().event(event)

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        if event.type() == QEvent.Type.Close and watched is self.parentWidget() and self.runner.busy:
            self.runner.stop()
        return super().eventFilter(watched, event)

    def closeEvent(self, event: Any) -> None:
        self.fit.close()
        self.runner.close()
        super().closeEvent(event)
