"""Make model audio safe and the right shape before it reaches a project.

A model can hand back NaN/inf (a diverged sampler, fp16 overflow), pure silence, 5.1 or mono, any sample
rate, and a length that is not quite its video's. `conform_audio` fixes what can be fixed (NaN -> silence,
channels -> stereo, rate -> 48 kHz, length -> the video's) and says what it did, in words a user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sora_studio.core.audio.channels import layout_names, map_channels
from sora_studio.core.audio.resample import resample

SILENT_PEAK = 1e-4  # -80 dBFS: below this a whole clip counts as silent
MASTER_RATE = 48000


@dataclass
class Conformed:
    audio: np.ndarray  # float32 [channels, N] at `rate`
    rate: int
    warnings: list[str] = field(default_factory=list)
    silent: bool = False


def conform_audio(audio: np.ndarray | None, rate: int, seconds: float | None = None, to_rate: int = MASTER_RATE,
                  channels: int = 2, label: str = "the generated audio") -> Conformed:
    """Sanitised float32 [channels, round(seconds * to_rate)] (length kept when `seconds` is None)."""
    warnings: list[str] = []
    if audio is None or np.size(audio) == 0 or rate <= 0:
        n = round((seconds or 0.0) * to_rate)
        warnings.append(f"{label} is empty; silence was used instead")
        return Conformed(np.zeros((channels, n), np.float32), to_rate, warnings, silent=True)
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[None, :]
    elif data.ndim > 2:
        data = data.reshape(-1, data.shape[-1])
    if data.shape[0] > data.shape[1]:  # [N, C] from some pipelines
        data = data.T
    bad = ~np.isfinite(data)
    if bad.any():
        share = bad.mean()
        warnings.append(f"{label} contained {share:.1%} NaN/infinite samples (the model diverged); "
                        + ("it was replaced by silence" if share > 0.01 else "those samples were silenced")
                        + " - try another seed or a higher precision")
        data = np.zeros_like(data) if share > 0.01 else np.where(bad, 0.0, data).astype(np.float32)
    if data.shape[0] not in (1, 2):
        warnings.append(f"{label} has {data.shape[0]} channels; it was folded down to stereo")
    data = map_channels(data, layout_names(data.shape[0]), channels)
    if rate != to_rate:
        data = resample(data, rate, to_rate, channels)
    peak = float(np.abs(data).max(initial=0.0))
    silent = peak < SILENT_PEAK
    if silent:
        warnings.append(f"{label} is silent (peak {20 * np.log10(max(peak, 1e-12)):.0f} dBFS)")
    elif peak > 1.0:
        data = data / peak
        warnings.append(f"{label} clipped (peak {peak:.2f}); it was scaled down to full scale")
    if seconds is not None:
        want = round(seconds * to_rate)
        have = data.shape[1]
        if abs(have - want) > to_rate // 50:  # more than 20 ms off: worth telling
            warnings.append(f"{label} lasts {have / to_rate:.2f} s but its video {want / to_rate:.2f} s; "
                            + ("it was padded with silence" if have < want else "the end was cut"))
        data = data[:, :want] if have >= want else np.pad(data, ((0, 0), (0, want - have)))
    return Conformed(np.ascontiguousarray(data, dtype=np.float32), to_rate, warnings, silent)


def fit_length(audio: np.ndarray, samples: int, rate: int, crossfade_s: float = 0.5) -> np.ndarray:
    """Loop (with an equal-power crossfade at each seam) or cut [C, N] audio to exactly `samples`.

    Ambience models have a maximum length (Stable Audio Open: 47 s); longer shots get the bed looped.
    """
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    n = audio.shape[1]
    if n >= samples or n == 0:
        return audio[:, :samples] if n else np.zeros((audio.shape[0], samples), np.float32)
    fade = min(round(crossfade_s * rate), n // 3)
    out = audio.copy()
    t = np.linspace(0.0, np.pi / 2, fade, dtype=np.float32)
    fade_out, fade_in = np.cos(t), np.sin(t)
    while out.shape[1] < samples:
        if fade:
            seam = out[:, -fade:] * fade_out + audio[:, :fade] * fade_in
            out = np.concatenate([out[:, :-fade], seam, audio[:, fade:]], axis=1)
        else:
            out = np.concatenate([out, audio], axis=1)
    return np.ascontiguousarray(out[:, :samples])


def conform_output(output: object) -> list[str]:
    """Conform a GenerationOutput's audio in place (48 kHz stereo, NaN-free, as long as its frames);
    returns the warnings. Call it between `runner.generate` and `runner.write_output`."""
    audio = getattr(output, "audio", None)
    frames = getattr(output, "frames", None)
    if audio is None:
        return []
    seconds = None
    if frames is not None and getattr(output, "fps", 0):
        seconds = len(frames) / float(output.fps)  # type: ignore[attr-defined]
    result = conform_audio(audio, int(getattr(output, "sample_rate", 0) or 0), seconds)
    output.audio, output.sample_rate = result.audio, result.rate  # type: ignore[attr-defined]
    return result.warnings
