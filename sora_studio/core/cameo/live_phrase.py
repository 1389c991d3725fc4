"""The live phrase step: the spoken phrase and, when picture and sound were recorded together, the face seen
while it was spoken, on the sound's own timeline.

Why: the mouth-movement check (`enroll.check_mouth`) is only honest when the frames and the sound come from
the same moment. That holds for two sources only:
- a camera device and the microphone, recorded at the same time (frames timed by the clock from the moment
  the microphone stream started);
- a video file standing in for the camera, whose own sound track stands in for the microphone: the frames
  played during the phrase step and the file's sound over the same span (times from the file itself).
Sound from anywhere else (a separate audio file, or the microphone while a video file plays as the camera)
has no matching picture: the phrase is still checked, and the consent record says the mouth check was not
made and why. Qt-free; the wizard's worker thread feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sora_studio.core.cameo.capture import AUDIO_RATE, read_audio_file
from sora_studio.core.cameo.landmarks import FaceObservation
from sora_studio.errors import BadInput

NOT_MADE_AUDIO_FILE = "not made: the phrase came from a separate audio file, with no picture recorded with it"
NOT_MADE_NO_CAMERA = "not made: no camera was running while the phrase was recorded"
NOT_MADE_MIC_WITH_FILE = ("not made: the microphone was recorded while a video file stood in for the camera, "
                          "so the picture is not of the person speaking")


@dataclass
class PhraseTake:
    """What the phrase step recorded: mono 16 kHz sound, and the face observations made while it was recorded
    (time_s on the sound's timeline, 0 = its first sample) or None with the reason the mouth check cannot be
    made."""

    audio: np.ndarray
    source: str  # for people: "microphone", "the video file clip.mp4", "the audio file phrase.wav"
    observations: list[FaceObservation] | None = None
    mouth_unchecked: str = ""

    @property
    def mouth_checkable(self) -> bool:
        return self.observations is not None

    @property
    def seconds(self) -> float:
        return len(self.audio) / AUDIO_RATE


def on_audio_timeline(observations: list[FaceObservation], audio_start_s: float) -> list[FaceObservation]:
    """The observations re-timed so that 0 is the audio's first sample (frames before it are dropped)."""
    return [replace(o, time_s=o.time_s - audio_start_s) for o in observations if o.time_s >= audio_start_s]


def clip_sound(path: str | Path, start_s: float, end_s: float) -> np.ndarray:
    """A video file's own sound between two of its times (the span its frames were played over)."""
    sound = read_audio_file(path)
    if sound is None:
        raise BadInput(f"{Path(path).name} has no sound track, so it cannot stand in for the microphone: "
                       "choose an audio file of the phrase instead (the mouth check is then not made)")
    return sound[round(start_s * AUDIO_RATE) : round(end_s * AUDIO_RATE)]


def file_take(path: str | Path, observations: list[FaceObservation], start_s: float, end_s: float) -> PhraseTake:
    """The take from a video file standing in for camera and microphone: frames played from `start_s` to
    `end_s` (the file's own times) and its sound over the same span, aligned sample-exactly."""
    return PhraseTake(clip_sound(path, start_s, end_s), f"the video file {Path(path).name}",
                      on_audio_timeline(observations, start_s))


def audio_file_take(audio: np.ndarray, path: str | Path) -> PhraseTake:
    """A separate audio file: the phrase can be checked, the mouth cannot."""
    return PhraseTake(audio, f"the audio file {Path(path).name}", None, NOT_MADE_AUDIO_FILE)


def microphone_take(audio: np.ndarray, observations: list[FaceObservation] | None, camera: str | None) -> PhraseTake:
    """The microphone's sound, with the observations a camera *device* made alongside it (timed from the
    stream's start); `camera` is 'device', 'file' (a video file stood in for the camera) or None (none ran)."""
    if camera == "device" and observations is not None:
        return PhraseTake(audio, "microphone", observations)
    return PhraseTake(audio, "microphone", None, NOT_MADE_MIC_WITH_FILE if camera == "file" else NOT_MADE_NO_CAMERA)
