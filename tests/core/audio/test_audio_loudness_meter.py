"""The BS.1770 / EBU R128 meter against the standard's own figures and FFmpeg's independent ebur128 meter,
and loudness normalisation of real exports to the web and broadcast targets."""

import dataclasses
import math

import numpy as np
import pytest

from sora_studio.core.audio.loudness import (BROADCAST_LUFS, WEB_LUFS, integrated_loudness, k_weighting, limit,
                                             normalize, true_peak_dbfs)
from sora_studio.core.audio.placement import place_audio_clip
from sora_studio.core.export.render import render_timeline
from sora_studio.core.media.synth import tone, write_audio_file
from sora_studio.core.project.bundle import Project


def test_k_weighting_matches_the_bs1770_table_at_48k():
    (b1, a1), (b2, a2) = k_weighting(48000)
    np.testing.assert_allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285], rtol=1e-9)
    np.testing.assert_allclose(a1, [1.0, -1.69065929318241, 0.73248077421585], rtol=1e-9)
    np.testing.assert_allclose(a2, [1.0, -1.99004745483398, 0.99007225036621], rtol=1e-9)
    np.testing.assert_allclose(b2, [1.0, -2.0, 1.0])


def test_reference_sine_reads_as_the_standard_says():
    # BS.1770: a 0 dBFS 1 kHz sine in one front channel reads -3.01 LKFS
    left_only = np.zeros((2, 48000 * 3), np.float32)
    left_only[0] = tone(3, 1000, channels=1, level=1.0)[0]
    assert integrated_loudness(left_only, 48000) == pytest.approx(-3.01, abs=0.05)
    assert integrated_loudness(tone(3, 1000, level=0.1), 48000) == pytest.approx(-20.0, abs=0.05)
    assert integrated_loudness(np.zeros((2, 48000)), 48000) == -math.inf
    assert integrated_loudness(tone(0.2, 1000), 48000) == -math.inf  # shorter than one 400 ms block


def _programme(rate: int, channels: int = 2) -> np.ndarray:
    """Speech-like material: band-limited noise bursts (like real programme, little energy above 8 kHz,
    which AAC's low-pass would cut) and tones at different levels with silent gaps (exercises gating). No
    block sits near the relative gate, where a codec's 0.3 dB could flip it in or out and move the result."""
    from scipy import signal

    rng = np.random.default_rng(3)
    sos = signal.butter(4, 8000, fs=rate, output="sos")
    parts = []
    for level, kind in [(0.3, "noise"), (0.0, "gap"), (0.05, "tone"), (0.6, "noise"), (0.002, "noise"),
                        (0.6, "tone"), (0.0, "gap")]:
        n = int(rate * 1.3)
        if kind == "noise":
            part = level * 2 * signal.sosfilt(sos, rng.standard_normal((channels, n)), axis=1)
        elif kind == "tone":
            part = np.repeat(level * np.sin(2 * np.pi * 220 * np.arange(n) / rate)[None], channels, axis=0)
        else:
            part = np.zeros((channels, n))
        parts.append(part)
    return np.clip(np.concatenate(parts, axis=1), -1, 1).astype(np.float32)


@pytest.mark.parametrize("rate,channels", [(48000, 2), (44100, 1), (48000, 6)])
def test_meter_agrees_with_ffmpeg_ebur128(tmp_path, audio_tools, rate, channels):
    audio = _programme(rate, channels)
    path = write_audio_file(tmp_path / "p.wav", audio, rate, codec="pcm_s16le")
    ours = integrated_loudness(audio, rate)
    theirs = audio_tools.ffmpeg_loudness(path)
    print(f"{rate} Hz x{channels}: ours {ours:.2f} LUFS, ffmpeg {theirs:.2f} LUFS")
    assert ours == pytest.approx(theirs, abs=0.5)


@pytest.mark.parametrize("target", [WEB_LUFS, BROADCAST_LUFS])
def test_normalize_hits_target_under_the_peak_ceiling(target):
    audio = _programme(48000) * 0.2
    out, gain_db, measured = normalize(audio, 48000, target, ceiling_dbfs=-1.0)
    assert integrated_loudness(out, 48000) == pytest.approx(target, abs=0.1)
    assert np.abs(out).max() <= 10 ** (-1 / 20) + 1e-6
    assert gain_db == pytest.approx(target - measured, abs=1.0)
    silent, gain, _ = normalize(np.zeros((2, 48000)), 48000)
    assert gain == 0.0 and not silent.any()


def test_limiter_holds_the_ceiling_without_boosting():
    audio = tone(1, 100, level=0.3)
    audio[:, 24000:24010] = 1.5  # a spike
    out = limit(audio, 48000, -1.0)
    assert np.abs(out).max() <= 10 ** (-1 / 20) + 1e-6
    np.testing.assert_allclose(out[:, :20000], audio[:, :20000])  # far from the spike: untouched
    assert true_peak_dbfs(tone(1, 1000, level=0.5)) == pytest.approx(-6.02, abs=0.1)


@pytest.mark.parametrize("target,scale", [(WEB_LUFS, 0.1), (BROADCAST_LUFS, 0.6)])
def test_export_is_normalised_to_target(tmp_path, audio_tools, target, scale):
    """An exported MP4's loudness (AAC, as decoded by FFmpeg's meter) is within 1 LU of the target."""
    project = Project.create(tmp_path / "loud", rate=24, width=160, height=96, session=False)
    source = write_audio_file(tmp_path / "bed.wav", _programme(48000) * scale, 48000, codec="pcm_s16le")
    item = project.import_media(source)
    edit, _ = place_audio_clip(project.timeline, item, "music", start=0)
    edit.apply(project.timeline)
    out = tmp_path / "out.mp4"
    preset = dataclasses.replace(audio_tools.small_preset(), loudness_lufs=target)
    result = render_timeline(project.timeline, project.resolve, out, preset)
    measured = audio_tools.ffmpeg_loudness(out)
    print(f"target {target} LUFS: mix in {result.mix.loudness_in:.2f}, ours out "
          f"{result.mix.loudness_out:.2f}, ffmpeg on export {measured:.2f}")
    assert measured == pytest.approx(target, abs=1.0)
    assert abs(result.mix.loudness_in - target) > 5  # the source was far off: normalisation did the work
