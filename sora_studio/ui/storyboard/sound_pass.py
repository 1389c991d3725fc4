"""A shot's sound pass off the GUI thread: core/audio/shot_audio.add_shot_audio (the same pass as
`sora-studio storyboard run`) on a QThread, with every timeline edit and media import it makes handed to the
GUI thread (GuiCall, run by a Slot there) so the project is only changed where the editor lives. The pass's
edits of one shot merge into one undo step (ShotSoundEdit). A Stop abandons a hand-over the GUI has not
started, and the ambience's engine job is cancelled through the shared ShotGenerator.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from sora_studio.core.cancel import CancelToken
from sora_studio.core.storyboard.model import Storyboard
from sora_studio.core.timeline.edits import CompoundEdit
from sora_studio.core.timeline.model import NAMESPACE
from sora_studio.errors import Cancelled, StudioError

_CALL_LOCK = threading.Lock()


class GuiCall:
    """A function the sound thread needs run on the GUI thread (an edit, a media import), and its answer."""

    def __init__(self, fn: Any, args: tuple, kwargs: dict) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.state = "queued"  # -> "running" (GUI thread took it) or "abandoned" (the pass was stopped first)
        self.finished = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        """On the GUI thread: run the call unless the sound thread abandoned it; hand back result or error."""
        with _CALL_LOCK:
            if self.state != "queued":
                return
            self.state = "running"
        try:
            self.result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # handed back to the sound thread, which raises it there
            self.error = exc
        finally:
            self.finished.set()


class _GuiProject:
    """The project as the sound pass sees it off the GUI thread: reads pass through, imports run on the GUI."""

    def __init__(self, project: Any, call: Any) -> None:
        self._project, self._call = project, call

    def __getattr__(self, name: str) -> Any:
        return getattr(self._project, name)

    def import_media(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(self._project.import_media, *args, **kwargs)


class SoundThread(QThread):
    """add_shot_audio for one shot; it is also the pass's `history`: each edit is applied on the GUI thread."""

    call = Signal(object)  # GuiCall
    done = Signal(object)  # ShotAudioReport
    failed = Signal(str)
    stopped = Signal()

    def __init__(self, project: Any, storyboard: Storyboard, shot_id: str, generator: Any, apply: Any,
                 token: CancelToken, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project, self.storyboard, self.shot_id = _GuiProject(project, self.on_gui), storyboard, shot_id
        self.generator, self.apply, self.token = generator, apply, token

    def run(self) -> None:
        from sora_studio.core.audio.shot_audio import add_shot_audio

        try:
            report = add_shot_audio(self.project, self.storyboard, history=self, shot_generator=self.generator,
                                    only=[self.shot_id])
            self.token.raise_if_cancelled()
            self.done.emit(report)
        except Cancelled:
            self.stopped.emit()
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a library error (TTS, decoding) must not take the editor down
            self.failed.emit(f"{type(exc).__name__}: {exc}")

    def do(self, edit: Any) -> None:
        self.on_gui(self.apply, edit)

    def on_gui(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run fn on the GUI thread and wait for it; a Stop abandons a call the GUI has not started."""
        self.token.raise_if_cancelled()
        job = GuiCall(fn, args, kwargs)
        self.call.emit(job)
        while not job.finished.wait(0.05):
            if self.token.cancelled:
                with _CALL_LOCK:
                    if job.state == "queued":
                        job.state = "abandoned"
                        raise Cancelled(self.token.reason)
        if job.error is not None:
            raise job.error
        return job.result


class ShotSoundEdit(CompoundEdit):
    """One edit of a shot's sound pass; those of one pass merge into one undo step ("Sound for shot N")."""

    def __init__(self, edit: Any, shot_id: str, label: str) -> None:
        super().__init__([edit], label=label)
        self.shot_id = shot_id

    @property
    def merge_key(self) -> Any:
        return ("storyboard-sound", self.shot_id)


def has_linked_sound(timeline: Any, clip: Any, shot_id: str) -> bool:
    """True when the shot already has sound from an earlier pass: clips linked to its picture (model sound,
    ambience) or naming the shot (dialogue lines)."""
    def ours(c: Any) -> bool:
        named = (c.metadata.get(NAMESPACE) or {}).get("shot_id") == shot_id
        return named or (clip.link_group is not None and c.link_group == clip.link_group)

    return any(c.id != clip.id and ours(c) for _t, c in timeline.clips())
