"""The owner's cameo panel: my cameos and who may use them, the people I approve, and every use.

A view over sora_studio.core.cameo.permissions (modes, revoke, delete with a consent tombstone, usage log)
and core.cameo.purge_clips (delete every clip made with a cameo from the open project). Each change goes
straight to the registry, so it applies at once, queued render jobs included. Nothing here decides who
may use what; `permissions.authorize_cameo_use` does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QFileDialog, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from sora_studio.core.cameo import permissions
from sora_studio.core.cameo.purge_clips import WITHDRAWN_LABEL, plan_purge, purge_project_clips
from sora_studio.core.cameo.store import Cameo, CameoStore
from sora_studio.errors import StudioError

MODE_LABELS = {"only-me": "Only me", "approved": "People I approve", "mutuals": "Mutuals (approved each other)",
               "everyone": "Everyone"}
CAMEO_COLUMNS = ("Name", "Kind", "Enrolled", "Capture", "Who may use it", "Status")
USAGE_COLUMNS = ("When", "Who", "Clip", "Job", "Result")
# (project, apply_edit) of the open project, or None when no project is open
ProjectAccess = Callable[[], "tuple[Any, Callable[[Any], object]] | None"]


def _confirm(parent: QWidget, title: str, text: str, option: str | None) -> tuple[bool, bool]:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    check = QCheckBox(option) if option else None
    if check is not None:
        box.setCheckBox(check)
    box.exec()
    ok = box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.DestructiveRole
    return ok, bool(check is not None and check.isChecked())


class CameoPanel(QDialog):
    """Manage my cameos. `confirm(title, text, option)` -> (yes, option ticked) can be replaced (tests)."""

    def __init__(self, store: CameoStore, project_access: ProjectAccess | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cameos: permissions and usage")
        self.store = store
        self.project_access = project_access or (lambda: None)
        self.confirm: Callable[[str, str, str | None], tuple[bool, bool]] = lambda t, x, o: _confirm(self, t, x, o)
        self.profile = QComboBox()
        self.profile.currentIndexChanged.connect(self._profile_chosen)
        export = QPushButton("Export my profile card…")
        export.clicked.connect(self.export_card)
        top = QHBoxLayout()
        top.addWidget(QLabel("Acting as"))
        top.addWidget(self.profile, 1)
        top.addWidget(export)

        self.cameos = QTableWidget(0, len(CAMEO_COLUMNS))
        self.cameos.setHorizontalHeaderLabels(CAMEO_COLUMNS)
        self.cameos.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cameos.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.cameos.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cameos.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.cameos.horizontalHeader().setStretchLastSection(True)
        self.cameos.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Fixed)
        self.cameos.setColumnWidth(4, 170)
        self.cameos.verticalHeader().setVisible(False)
        self.cameos.itemSelectionChanged.connect(self._cameo_chosen)
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setToolTip("Block every new use at once, queued renders included "
                                      "(choose who may use it again to re-enable it)")
        self.revoke_button.clicked.connect(self.revoke)
        self.delete_button = QPushButton("Delete cameo…")
        self.delete_button.clicked.connect(self.delete)
        self.clips_button = QPushButton("Delete every clip made with it…")
        self.clips_button.clicked.connect(self.delete_clips)
        actions = QHBoxLayout()
        for b in (self.revoke_button, self.delete_button, self.clips_button):
            actions.addWidget(b)
        actions.addStretch(1)
        mine = QGroupBox("My cameos")
        mine_layout = QVBoxLayout(mine)
        mine_layout.addWidget(self.cameos)
        mine_layout.addLayout(actions)

        self.people = QListWidget()
        self.people.itemChanged.connect(self._approval_toggled)
        import_card = QPushButton("Import a profile card…")
        import_card.clicked.connect(self.import_card)
        people = QGroupBox("People I approve (tick to approve)")
        people_layout = QVBoxLayout(people)
        people_layout.addWidget(self.people)
        people_layout.addWidget(import_card)

        self.usage = QTableWidget(0, len(USAGE_COLUMNS))
        self.usage.setHorizontalHeaderLabels(USAGE_COLUMNS)
        self.usage.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.usage.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.usage.horizontalHeader().setStretchLastSection(True)
        self.usage.verticalHeader().setVisible(False)
        usage = QGroupBox("Usage log of the selected cameo")
        QVBoxLayout(usage).addWidget(self.usage)

        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(mine)
        upper.addWidget(people)
        upper.setSizes([700, 380])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(usage)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self.resize(1000, 640)
        self._filling = False
        self.refresh()

    # -- reading ---------------------------------------------------------------------------
    def owner(self) -> Any | None:
        profile_id = self.profile.currentData()
        return self.store.profiles.get(profile_id) if profile_id else None

    def selected(self) -> Cameo | None:
        rows = self.cameos.selectionModel().selectedRows()
        if not rows:
            return None
        cameo_id = self.cameos.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return self.store.find(cameo_id)

    def refresh(self) -> None:
        """Re-read profiles, cameos, approvals and usage from the registry."""
        self._filling = True
        current = self.profile.currentData()
        self.profile.clear()
        for p in self.store.profiles.list():
            if p.is_local:
                self.profile.addItem(f"{p.name} ({p.kind}, id {p.id[:8]})", p.id)
        active = current or (self.store.profiles.active().id if self.store.profiles.active() else None)
        if active is not None:
            self.profile.setCurrentIndex(max(0, self.profile.findData(active)))
        self._filling = False
        self._fill()

    def _fill(self, keep: str | None = None) -> None:
        keep = keep or (self.selected().id if self.selected() else None)
        self._filling = True
        owner = self.owner()
        cameos = self.store.list(owner.id, include_deleted=True) if owner else []
        self.cameos.setRowCount(len(cameos))
        for row, cameo in enumerate(cameos):
            name = QTableWidgetItem("(deleted)" if cameo.deleted else f"@{cameo.name}")
            name.setData(Qt.ItemDataRole.UserRole, cameo.id)
            capture = cameo.consent.get("capture", "?")
            cells = [name, QTableWidgetItem(cameo.kind), QTableWidgetItem(cameo.created.replace("T", " ")[:16]),
                     QTableWidgetItem(capture), QTableWidgetItem(""), QTableWidgetItem(self._status(cameo))]
            for col, cell in enumerate(cells):
                self.cameos.setItem(row, col, cell)
            if cameo.deleted:
                self.cameos.removeCellWidget(row, 4)
                self.cameos.item(row, 4).setText("—")
            else:
                combo = QComboBox()
                for mode, label in MODE_LABELS.items():
                    combo.addItem(label, mode)
                combo.setCurrentIndex(combo.findData(cameo.mode))
                combo.currentIndexChanged.connect(lambda _i, c=combo, cid=cameo.id: self.set_mode(cid, c.currentData()))
                self.cameos.setCellWidget(row, 4, combo)
            if cameo.id == keep:
                self.cameos.selectRow(row)
        if self.selected() is None and cameos:
            self.cameos.selectRow(0)
        self._fill_people(owner)
        self._filling = False
        self._cameo_chosen()

    @staticmethod
    def _status(cameo: Cameo) -> str:
        if cameo.deleted:
            return f"deleted {cameo.deleted_at[:10]}: media purged, consent record kept"
        return "revoked: nobody may use it" if cameo.revoked else "active"

    def _fill_people(self, owner: Any | None) -> None:
        self.people.clear()
        if owner is None:
            return
        approved = self.store.profiles.approved_by(owner.id)
        for p in self.store.profiles.list():
            if p.id == owner.id:
                continue
            mutual = p.id in approved and self.store.profiles.are_mutuals(owner.id, p.id)
            origin = "this machine" if p.is_local else "imported card"
            item = QListWidgetItem(f"{p.name}{'  · mutual' if mutual else ''}  ({origin}, {p.kind}, id {p.id[:8]})")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if p.id in approved else Qt.CheckState.Unchecked)
            self.people.addItem(item)

    @Slot()
    def _cameo_chosen(self) -> None:
        if self._filling:
            return
        cameo, owner = self.selected(), self.owner()
        usable = cameo is not None and not cameo.deleted
        for button in (self.revoke_button, self.delete_button, self.clips_button):
            button.setEnabled(usable)
        self.revoke_button.setEnabled(usable and not cameo.revoked)
        rows = permissions.usage(self.store, cameo.name, owner.id) if usable and owner else []
        if cameo is not None and cameo.deleted:
            rows = self._tombstone_usage(cameo)
        self.usage.setRowCount(len(rows))
        for r, row in enumerate(rows):
            who = row.get("requester_name") or row["requester"][:12]
            when = row["at"].replace("T", " ")[:19] + " UTC"
            values = (when, who, row.get("clip") or "", row.get("job_id") or "", row["action"])
            for c, value in enumerate(values):
                self.usage.setItem(r, c, QTableWidgetItem(value))

    def _tombstone_usage(self, cameo: Cameo) -> list[dict]:
        rows = self.store.conn.execute("SELECT requester, job_id, clip, action, at FROM usage WHERE cameo_id = ? "
                                       "ORDER BY id", (cameo.id,))
        profiles = self.store.profiles
        return [{**dict(r), "requester_name": getattr(profiles.get(r["requester"]), "name", None)} for r in rows]

    @Slot()
    def _profile_chosen(self) -> None:
        if self._filling or self.owner() is None:
            return
        self.store.profiles.set_active(self.owner().id)
        self._fill()

    # -- changing --------------------------------------------------------------------------
    def _run(self, action: Callable[[], str], keep: str | None = None) -> bool:
        try:
            text = action()
        except StudioError as exc:
            self.message.setText(f"Not done: {exc}")
            self._fill(keep)
            return False
        self.message.setText(text)
        self._fill(keep)
        return True

    def set_mode(self, cameo_id: str, mode: str) -> bool:
        if self._filling:
            return False
        cameo = self.store.find(cameo_id)

        def change() -> str:
            permissions.set_mode(self.store, cameo.id, self.owner().id, mode)
            return f"@{cameo.name} may now be used by: {MODE_LABELS[mode]} (applies at once, queued renders too)."
        return self._run(change, cameo_id)

    @Slot()
    def revoke(self) -> bool:
        cameo = self.selected()
        if cameo is None:
            return False

        def change() -> str:
            permissions.revoke(self.store, cameo.id, self.owner().id)
            return (f"@{cameo.name} is revoked: nobody may use it, and queued renders with it will be refused. "
                    "Choose who may use it again to re-enable it.")
        return self._run(change, cameo.id)

    @Slot()
    def delete(self) -> bool:
        cameo = self.selected()
        if cameo is None:
            return False
        text = (f"Delete cameo @{cameo.name}?\n\nThis purges its enrollment media from the encrypted store for good: "
                f"{', '.join(cameo.media) or 'no files'}. Nobody can use it any more; queued renders with it will be "
                "refused.\n\nA tombstone of the signed consent record is kept (who consented to what, and when), "
                "with the usage log, so past use stays accountable. This cannot be undone.")
        ok, with_clips = self.confirm("Delete cameo", text, "Also delete every clip made with it (files, and their "
                                      "takes in the open project)")
        if not ok:
            return False

        def change() -> str:
            clips = self._purge_clips(cameo) if with_clips else ""  # first: the usage query needs the live cameo
            purged = permissions.delete(self.store, cameo.id, self.owner().id)
            return (f"@{cameo.name} deleted: {len(purged)} media files purged; the consent record is kept as a "
                    f"tombstone. {clips}").strip()
        return self._run(change, cameo.id)

    @Slot()
    def delete_clips(self) -> bool:
        cameo = self.selected()
        if cameo is None:
            return False
        logged = permissions.clips_using(self.store, cameo.id, self.owner().id)
        access = self.project_access()
        in_project = ""
        if access is not None:
            plan = plan_purge(access[0], [cameo.id], logged)
            takes = sum(map(len, plan.takes.values()))
            in_project = (f"\n\nIn the open project: {len(plan.files)} media files and {takes} takes that use them. "
                          f"Those clips stay on the timeline as holes marked \"{WITHDRAWN_LABEL}\"; "
                          "exports show black (and silence) there.")
        text = (f"Delete every clip made with @{cameo.name}?\n\n{len(logged)} clip files are named in its usage log; "
                f"those still on disk are deleted.{in_project}\n\nUndo cannot bring deleted media back: it only "
                "restores the empty references.")
        ok, _ = self.confirm("Delete clips made with a cameo", text, None)
        if not ok:
            return False
        return self._run(lambda: self._purge_clips(cameo), cameo.id)

    def _purge_clips(self, cameo: Cameo) -> str:
        owner = self.owner()
        logged = permissions.clips_using(self.store, cameo.id, owner.id)
        access = self.project_access()
        note, in_project = "", 0
        if access is not None:
            project, apply_edit = access
            report = purge_project_clips(project, [cameo.id], logged, apply_edit=apply_edit)
            in_project = len(report.files_deleted)
            note = (f" In the open project: {report.takes_removed} takes removed, {len(report.clips_emptied)} clips "
                    "left as holes.")
        removed = permissions.delete_clips_using(self.store, cameo.id, owner.id)  # the rest the usage log names
        return (f"Deleted {in_project + len(removed)} clip files made with @{cameo.name} ({in_project} in the open "
                f"project, {len(removed)} elsewhere).{note}")

    @Slot(QListWidgetItem)
    def _approval_toggled(self, item: QListWidgetItem) -> None:
        owner = self.owner()
        if self._filling or owner is None:
            return
        other = item.data(Qt.ItemDataRole.UserRole)
        if item.checkState() == Qt.CheckState.Checked:
            self.store.profiles.approve(owner.id, other)
            self.message.setText(f"Approved {self.store.profiles.get(other).name}: they may use your cameos set to "
                                 "\"People I approve\" (and \"Mutuals\" once they approve you too).")
        else:
            self.store.profiles.unapprove(owner.id, other)
            self.message.setText(f"{self.store.profiles.get(other).name} is no longer approved (applies at once).")
        self._fill()

    @Slot()
    def import_card(self, path: str | Path | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Import a profile card", "",
                                                  "Profile card (*.json);;Any file (*)")
            if not path:
                return False
        return self._run(lambda: f"Imported {self.store.profiles.import_card(Path(path)).name}'s profile card: "
                         "check its id with them in person before approving.")

    @Slot()
    def export_card(self, path: str | Path | None = None) -> bool:
        owner = self.owner()
        if owner is None:
            return False
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export my profile card", f"{owner.name}.card.json",
                                                  "Profile card (*.json)")
            if not path:
                return False

        def change() -> str:
            self.store.profiles.export_card(owner.id, Path(path))
            return f"Wrote your profile card to {path} (it holds your public key only)."
        return self._run(change)
