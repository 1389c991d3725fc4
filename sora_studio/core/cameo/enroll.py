"""Enrollment: analyse a recorded (or live) clip, and register the cameo only when every check passes.

People: head-turn challenges in the asked order, a blink, not a flat photo, not frozen/looped, the random
phrase spoken (and, when the sound is the video's own track, the mouth moving while it is spoken).
Pets and objects: a short clip and the owner's attestation; no face checks. The result keeps face crops
(front + each turn), a voice sample and the facts that go into the signed consent record.
"""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from sora_studio.core.cameo.capture import AUDIO_RATE, Frame, VideoSource, read_audio_file
from sora_studio.core.cameo.landmarks import FaceObservation, FaceTracker
from sora_studio.core.cameo.liveness import DIRECTIONS, LivenessReport, LivenessSettings, analyse_face, frame_signature
from sora_studio.core.cameo.phrase import PhraseGrammar, PhraseResult, check_phrase
from sora_studio.core.cameo.profiles import Profile
from sora_studio.core.cameo.store import CAMEO_KINDS, Cameo, CameoStore
from sora_studio.core.cancel import CancelToken, check
from sora_studio.errors import BadInput, Refused

Progress = Callable[[float, str], None]
INPUT_PROBLEMS = ("too dark", "no face", "more than one face", "no frames", "too short")
MOUTH_MOVEMENT = 0.03  # spread of lip gap (face sizes) while speaking; a still photo dubbed over stays < 0.01
MOUTH_STILL = "the mouth did not move while the phrase was spoken: say the phrase yourself, facing the camera"
NO_FACE_WHILE_SPEAKING = "no face seen while the phrase was spoken: say it facing the camera, your face in view"
SEPARATE_SOUND = "not made: the sound was not recorded with the picture (a separate audio file)"


@dataclass
class EnrollmentResult:
    kind: str
    challenges: list[str]
    phrase: str | None
    capture: str  # 'recorded' or 'live'
    passed: bool = False
    reasons: list[str] = field(default_factory=list)
    liveness: dict = field(default_factory=dict)
    speech: dict = field(default_factory=dict)
    mouth_movement: float | None = None
    mouth_check: str = ""  # 'made', or 'not made: why' (goes into the consent record)
    crops: dict[str, bytes] = field(default_factory=dict)
    voice_wav: bytes | None = None
    seconds: float = 0.0

    @property
    def input_problem(self) -> bool:
        """True when the media itself is unusable (dark, no face, two faces) rather than failing a check."""
        return any(any(p in r for p in INPUT_PROBLEMS) for r in self.reasons)

    def summary(self) -> dict:
        out = asdict(self)
        out.pop("crops"), out.pop("voice_wav")
        out["crops"] = sorted(self.crops)
        out["voice_sample"] = self.voice_wav is not None
        return out

    def consent_facts(self) -> dict:
        verified = ["head-turn challenges in order", "blink", "not a flat photo", "not frozen, looped or played back and forth"]
        if self.kind != "person":
            verified = ["owner attests they own or may enroll this " + self.kind]
        if self.phrase:
            verified.append("spoken phrase recognised")
        if self.mouth_movement is not None:
            verified.append("mouth moved while speaking")
        return {"capture": self.capture, "challenges": self.challenges, "phrase": self.phrase,
                "verified": verified, "mouth_check": self.mouth_check or "not made: no phrase was spoken",
                "checks": {"liveness": self.liveness.get("metrics", {}), "speech_heard": self.speech.get("heard"),
                           "mouth_movement": self.mouth_movement}}


def random_challenges(count: int = 3) -> list[str]:
    """A fresh random order of distinct head turns."""
    pool = list(DIRECTIONS)
    return [pool.pop(secrets.randbelow(len(pool))) for _ in range(min(count, len(pool)))]


def parse_challenges(text: str | Iterable[str]) -> list[str]:
    words = [w.strip().lower() for w in (text.split(",") if isinstance(text, str) else text) if w.strip()]
    bad = [w for w in words if w not in DIRECTIONS]
    if bad or not words:
        raise BadInput(f"challenges must be a comma list of {', '.join(DIRECTIONS)} (got {', '.join(bad) or 'none'})")
    return words


def _crop(frame: np.ndarray, obs: FaceObservation, size: int = 256) -> bytes:
    x0, y0, x1, y1 = obs.bbox()
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 0.75 * max(x1 - x0, y1 - y0)
    h, w = frame.shape[:2]
    box = [int(max(0, cx - half)), int(max(0, cy - half)), int(min(w, cx + half)), int(min(h, cy + half))]
    face = cv2.resize(frame[box[1] : box[3], box[0] : box[2]], (size, size), interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".png", cv2.cvtColor(face, cv2.COLOR_RGB2BGR))
    return png.tobytes()


def _wav(audio: np.ndarray) -> bytes:
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, np.clip(audio, -1, 1), AUDIO_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def mouth_movement(observations: list[FaceObservation], speech: PhraseResult) -> float:
    """Spread of the lip gap (landmarks 13/14, in face sizes) over the frames inside the speech span.

    The observations' time_s must be on the audio's timeline (0 = the first sample)."""
    gaps = [float(np.linalg.norm(o.landmarks[13, :2] - o.landmarks[14, :2]) / max(o.face_size, 1.0))
            for o in observations if o.has_face and speech.speech_start_s <= o.time_s <= speech.speech_end_s]
    if len(gaps) < 3:
        return 0.0
    return float(np.percentile(gaps, 90) - np.percentile(gaps, 10))


def check_mouth(observations: list[FaceObservation], speech: PhraseResult) -> tuple[float, str]:
    """The mouth-movement-during-speech check: (movement, '' when it passed or the reason it failed)."""
    faces = sum(o.has_face and speech.speech_start_s <= o.time_s <= speech.speech_end_s for o in observations)
    if faces < 3:
        return 0.0, NO_FACE_WHILE_SPEAKING
    movement = mouth_movement(observations, speech)
    return movement, ("" if movement >= MOUTH_MOVEMENT else MOUTH_STILL)


def analyse_frames(frames: Iterable[Frame], fps: float, *, kind: str = "person", challenges: list[str] | None = None,
                   phrase: str | None = None, audio: np.ndarray | None = None, audio_in_video: bool = False,
                   capture: str = "recorded", settings: LivenessSettings | None = None,
                   progress: Progress | None = None, cancel: CancelToken | None = None,
                   expected_frames: int | None = None, speech_observations: list[FaceObservation] | None = None,
                   mouth_unchecked: str = "") -> EnrollmentResult:
    """Run every enrollment check over frames (from a file or a live camera) and optional 16 kHz audio.

    The mouth check reads `speech_observations` (faces seen while the audio was recorded, timed on the audio's
    timeline) when given, else the clip's own frames when the audio is the clip's track (`audio_in_video`);
    otherwise it is not made and `mouth_unchecked` (or a default) says why in the consent record.
    """
    started = time.perf_counter()
    if kind not in CAMEO_KINDS:
        raise BadInput(f"kind must be one of {', '.join(CAMEO_KINDS)}")
    challenges = list(challenges or []) if kind == "person" else []
    result = EnrollmentResult(kind, challenges, phrase, capture)
    if kind == "person" and not challenges:
        raise BadInput("a person's enrollment needs head-turn challenges (e.g. --challenges left,up,right)")
    if phrase is not None and audio is None:
        raise BadInput("a phrase was given but there is no audio: pass --audio FILE or a video with sound")
    kept: list[np.ndarray] = []
    observations: list[FaceObservation] = []
    signatures = []
    if kind == "person":
        with FaceTracker(max_faces=2) as tracker:
            for frame in frames:
                check(cancel)
                observations.append(tracker.observe(frame.rgb, frame.index, frame.time_s))
                signatures.append(frame_signature(frame.rgb))
                kept.append(frame.rgb)
                if progress and expected_frames:
                    progress(min(0.8, 0.8 * len(kept) / expected_frames), "analysing face")
        report = analyse_face(observations, challenges, fps, np.stack(signatures) if signatures else None, settings)
    else:
        kept = [f.rgb for f in frames]
        report = _object_report(kept, fps)
    result.liveness = report.to_dict()
    result.reasons.extend(report.reasons)
    if audio is not None and phrase is not None:
        check(cancel)
        if progress:
            progress(0.85, "checking the spoken phrase")
        speech = check_phrase(audio, phrase, PhraseGrammar.load())
        result.speech = asdict(speech)
        if not speech.passed:
            result.reasons.append(speech.reason)
        else:
            start, end = int(speech.speech_start_s * AUDIO_RATE), int(speech.speech_end_s * AUDIO_RATE)
            result.voice_wav = _wav(audio[start:end])
            watched = speech_observations if speech_observations is not None else (
                observations if audio_in_video else None)
            if kind == "person" and watched is not None:
                result.mouth_movement, problem = check_mouth(watched, speech)
                result.mouth_check = "made"
                if problem:
                    result.reasons.append(problem)
            else:
                result.mouth_check = mouth_unchecked or SEPARATE_SOUND
    result.passed = not result.reasons
    if result.passed:
        result.crops = _crops(kept, observations, report) if kind == "person" else _object_frames(kept)
    result.seconds = time.perf_counter() - started
    if progress:
        progress(1.0, "done")
    return result


def _object_report(frames: list[np.ndarray], fps: float) -> LivenessReport:
    if len(frames) < max(3, int(0.5 * fps)):
        return LivenessReport(False, ["the clip is too short: record at least half a second"])
    return LivenessReport(True, [], metrics={"frames": float(len(frames))})


def _object_frames(frames: list[np.ndarray]) -> dict[str, bytes]:
    picks = np.linspace(0, len(frames) - 1, 3).round().astype(int)
    out = {}
    for k, i in enumerate(picks):
        ok, png = cv2.imencode(".png", cv2.cvtColor(frames[i], cv2.COLOR_RGB2BGR))
        out[f"clip_{k}"] = png.tobytes()
    return out


def _crops(frames: list[np.ndarray], observations: list[FaceObservation], report: LivenessReport) -> dict[str, bytes]:
    crops = {"front": _crop(frames[report.baseline_index], observations[report.baseline_index])}
    for event in report.events:
        event = event if isinstance(event, dict) else asdict(event)
        obs = observations[event["peak"]]
        if obs.has_face and event["direction"] not in crops:
            crops[event["direction"]] = _crop(frames[event["peak"]], obs)
    return crops


def analyse_recording(video: str | Path, *, audio: str | Path | None = None, kind: str = "person",
                      challenges: list[str] | None = None, phrase: str | None = None,
                      settings: LivenessSettings | None = None, progress: Progress | None = None,
                      cancel: CancelToken | None = None) -> EnrollmentResult:
    """The recorded-file path: the sound comes from --audio, else from the video's own track."""
    sound, in_video = None, False
    if phrase is not None:
        if audio is not None:
            sound = read_audio_file(audio)
        else:
            sound, in_video = read_audio_file(video), True
        if sound is None:
            raise BadInput("the video has no sound track for the phrase check: pass --audio FILE")
    with VideoSource(video) as source:
        import av  # only for the frame count that drives progress

        try:
            with av.open(str(video)) as c:
                expected = c.streams.video[0].frames or None if c.streams.video else None
        except av.error.FFmpegError:
            expected = None
        return analyse_frames(source.frames(cancel=cancel), source.fps, kind=kind, challenges=challenges,
                              phrase=phrase, audio=sound, audio_in_video=in_video, capture="recorded",
                              settings=settings, progress=progress, cancel=cancel, expected_frames=expected)


def register(store: CameoStore, owner: Profile, name: str, result: EnrollmentResult, attest: bool = False) -> Cameo:
    """Store a cameo whose analysis passed; pets and objects need the owner's attestation."""
    if not result.passed:
        raise Refused("enrollment failed: " + "; ".join(result.reasons))
    if result.kind != "person" and not attest:
        raise BadInput(f"confirm that you own or may enroll this {result.kind} (--attest)")
    media = dict(result.crops)
    if result.voice_wav is not None:
        media["voice"] = result.voice_wav
    facts = result.consent_facts()
    facts["attested_by_owner"] = bool(attest) or result.kind == "person"
    return store.add(owner, name, result.kind, facts, media)


def analyse_live(camera: int = 0, *, seconds: float = 12.0, kind: str = "person", challenges: list[str] | None = None,
                 phrase: str | None = None, microphone: int | str | None = None,
                 settings: LivenessSettings | None = None, progress: Progress | None = None,
                 cancel: CancelToken | None = None) -> EnrollmentResult:
    """The live path: record from a webcam (and microphone when a phrase is asked), then run the same checks.

    The camera is opened first so a machine without devices fails at once with "no camera/microphone found".
    """
    from sora_studio.core.cameo.capture import MicrophoneSource

    with VideoSource(camera) as source:
        mic = MicrophoneSource(microphone) if phrase is not None else None
        if mic is not None:
            mic.start(seconds)
        frames = []
        for frame in source.frames(max_seconds=seconds + 1, cancel=cancel):
            frames.append(frame)
            if frame.time_s >= seconds:
                break
        sound = mic.finish() if mic is not None else None
    return analyse_frames(frames, source.fps, kind=kind, challenges=challenges, phrase=phrase, audio=sound,
                          audio_in_video=False, capture="live", settings=settings, progress=progress,
                          cancel=cancel, expected_frames=len(frames),
                          mouth_unchecked="not made: this capture times camera frames and microphone sound "
                                          "separately (the editor's wizard checks the mouth live)")
