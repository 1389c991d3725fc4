"""Does a shot's dialogue fit its duration? Asked of the same code the audio pass runs.

`core.audio.dialogue.speak_lines` speaks the lines with the TTS (espeak-ng unless a neural voice is
chosen), times them (lead-in, gaps, up to 1.3x faster) and says which line overruns the shot and by how
much. The dock runs it on a worker thread (a line takes ~0.1 s to speak) a moment after the last edit, so
the estimate is the length the audio pass will really place, not a words-per-minute guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from sora_studio.core.storyboard.model import DialogueLine, Storyboard
from sora_studio.errors import BadInput, StudioError

DEBOUNCE_MS = 350


@dataclass
class LineFit:
    """One dialogue row's estimate: where it starts, how long it is spoken, whether it fits."""

    seconds: float
    offset_s: float
    fits: bool
    overrun_s: float = 0.0
    late: bool = False  # the lines before it already fill the shot: it would start after the shot ends


@dataclass
class DialogueFit:
    """The estimate for one shot: a LineFit per row (None for rows that are not spoken: empty text or speaker)."""

    shot_id: str
    shot_seconds: float
    lines: list[LineFit | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problem: str = ""  # the estimate could not be made (no TTS installed, unknown voice...)

    @property
    def fits(self) -> bool:
        return not self.problem and all(f is None or f.fits for f in self.lines)


def estimate_fit(shot_id: str, lines: list[DialogueLine], shot_seconds: float, voices: dict[str, str],
                 tts: Any = None) -> DialogueFit:
    """Speak and time `lines` as the audio pass would (blocking: call it off the GUI thread)."""
    from sora_studio.core.audio.dialogue import speak_lines
    from sora_studio.core.audio.tts import get_backend

    result = DialogueFit(shot_id, shot_seconds)
    spoken_rows = [i for i, line in enumerate(lines) if line.speaker.strip() and line.text.strip()]
    result.lines = [None] * len(lines)
    if not spoken_rows:
        return result
    tts = tts or get_backend(None)
    timed = list(spoken_rows)
    while True:
        try:
            spoken, warnings = speak_lines([lines[i] for i in timed], shot_seconds, tts, voices)
            break
        except BadInput as exc:  # speak_lines refuses a line that would start after the shot's end
            if len(timed) <= 1:
                result.problem = str(exc)
                return result
            timed.pop()  # time the lines before it; it and the ones after it are 'late'
        except StudioError as exc:  # no TTS installed, a voice pack that fails...
            result.problem = str(exc)
            return result
    for row, item in zip(timed, spoken):
        result.lines[row] = LineFit(item.speech.seconds, item.offset_s, item.fits, item.overrun_s)
    for row in spoken_rows[len(timed):]:
        result.lines[row] = LineFit(0.0, shot_seconds, False, late=True)
    result.warnings = warnings
    return result


def storyboard_voices(storyboard: Storyboard) -> dict[str, str]:
    """The voice each speaker gets in the audio pass (first appearance order over the whole storyboard)."""
    from sora_studio.core.audio.dialogue import assign_voices

    return assign_voices([line.speaker.strip() for shot in storyboard.shots for line in shot.dialogue
                          if line.speaker.strip()])


class _FitThread(QThread):
    done = Signal(object)  # DialogueFit

    def __init__(self, job: tuple, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job

    def run(self) -> None:
        try:
            self.done.emit(estimate_fit(*self.job))
        except Exception as exc:  # noqa: BLE001 - a TTS crash must not end the GUI's event loop
            fit = DialogueFit(self.job[0], self.job[2], [None] * len(self.job[1]))
            fit.problem = f"{type(exc).__name__}: {exc}"
            self.done.emit(fit)


_live: list[_FitThread] = []  # running estimates outlive a closed dock: a QThread must not die running
_hooked: list[QCoreApplication] = []


def _keep(thread: _FitThread) -> None:
    _live[:] = [t for t in _live if not t.isFinished()]
    _live.append(thread)
    app = QCoreApplication.instance()
    if app is not None and app not in _hooked:
        app.aboutToQuit.connect(_wait_all)
        _hooked.append(app)


def _wait_all() -> None:
    for thread in _live:
        thread.wait()
    _live.clear()


class DialogueFitEstimator(QObject):
    """Estimates one shot at a time, a moment after the last request; `estimated` carries the DialogueFit of
    the newest request only (older answers that arrive late are dropped)."""

    estimated = Signal(object)

    def __init__(self, parent: QObject | None = None, tts: Any = None) -> None:
        super().__init__(parent)
        self.tts = tts
        self._wanted: tuple | None = None
        self._running: tuple | None = None
        self._thread: _FitThread | None = None
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)

    @property
    def busy(self) -> bool:
        return self._timer.isActive() or self._thread is not None

    def request(self, shot_id: str, lines: list[DialogueLine], shot_seconds: float, voices: dict[str, str]) -> None:
        self._wanted = (shot_id, [DialogueLine(d.speaker, d.text) for d in lines], float(shot_seconds),
                        dict(voices), self.tts)
        self._timer.start()

    def cancel(self) -> None:
        self._wanted = None
        self._timer.stop()

    @Slot()
    def _start(self) -> None:
        if self._thread is not None or self._wanted is None:
            return  # the running estimate's end starts the newest one
        self._running, self._wanted = self._wanted, None
        self._thread = _FitThread(self._running)
        _keep(self._thread)
        self._thread.done.connect(self._on_done)
        self._thread.start()

    @Slot(object)
    def _on_done(self, fit: DialogueFit) -> None:
        self._join()
        if self._wanted is None:
            self.estimated.emit(fit)
        else:
            self._start()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.wait()
            self._thread = None

    def close(self) -> None:
        self.cancel()
        self._join()


class DialogueFitView(QObject):
    """Keeps a DialogueEditor's fit lines in step with the selected shot: asks for a new estimate only when
    the shot's lines, length or voices changed, and shows only the answer for what is on screen."""

    def __init__(self, editor: Any, estimator: DialogueFitEstimator) -> None:
        super().__init__(editor)
        self.editor, self.estimator = editor, estimator
        self._asked: tuple | None = None
        self._shown: DialogueFit | None = None
        estimator.estimated.connect(self._on_estimated)

    def follow(self, shot: Any, storyboard: Storyboard) -> None:
        if shot is None or not shot.dialogue:
            self.estimator.cancel()
            self._asked = self._shown = None
            self.editor.show_fit(None)
            return
        voices = storyboard_voices(storyboard)
        asked = (shot.id, tuple((d.speaker, d.text) for d in shot.dialogue), shot.seconds, tuple(voices.items()))
        if asked == self._asked:
            self.editor.show_fit(self._shown, pending=self._shown is None)
            return
        self._asked, self._shown = asked, None
        self.editor.show_fit(None, pending=True)
        self.estimator.request(shot.id, shot.dialogue, shot.seconds, voices)

    @Slot(object)
    def _on_estimated(self, fit: DialogueFit) -> None:
        if self._asked is not None and fit.shot_id == self._asked[0] and len(fit.lines) == len(self._asked[1]):
            self._shown = fit
            self.editor.show_fit(fit)
