"""Channel mapping, resampling and the mute/solo/gain mix, including hostile sample values."""

import numpy as np
import pytest

from sora_studio.core.audio.channels import layout_names, map_channels, stereo_matrix
from sora_studio.core.audio.mix import TrackState, audible, db_to_gain, mix, sanitize
from sora_studio.core.audio.resample import resample
from sora_studio.core.media.synth import tone


def test_mono_plays_on_both_sides_at_full_level():
    mono = tone(0.1, channels=1)
    stereo = map_channels(mono, ["FC"], 2)
    assert stereo.shape == (2, mono.shape[1])
    np.testing.assert_allclose(stereo[0], mono[0])
    np.testing.assert_allclose(stereo[1], mono[0])


def test_surround_downmix_keeps_sides_apart_and_drops_lfe():
    n = 1000
    names = layout_names(6)  # FL FR FC LFE BL BR
    only = {name: np.zeros((6, n), np.float32) for name in names}
    for i, name in enumerate(names):
        only[name][i] = 1.0
    left_only = map_channels(only["FL"], names)
    assert left_only[0].max() > 0 and left_only[1].max() == 0
    centre = map_channels(only["FC"], names)
    assert centre[0, 0] == pytest.approx(centre[1, 0]) and centre[0, 0] > 0
    assert np.abs(map_channels(only["LFE"], names)).max() == 0
    full = map_channels(np.ones((6, n), np.float32), names)
    assert full.max() <= 1.0 + 1e-6  # the fold-down never pushes full scale past 1


def test_stereo_is_passed_through_and_folds_to_mono():
    stereo = np.stack([np.ones(10, np.float32), -np.ones(10, np.float32)])
    assert map_channels(stereo, ["FL", "FR"], 2) is not None
    np.testing.assert_array_equal(map_channels(stereo, ["FL", "FR"], 2), stereo)
    np.testing.assert_allclose(map_channels(stereo, ["FL", "FR"], 1), np.zeros((1, 10)))
    assert stereo_matrix(["C0", "C1", "C2"]).shape == (2, 3)
    with pytest.raises(ValueError):
        map_channels(stereo, ["FC"], 2)


def test_gain_conversion():
    assert db_to_gain(0) == 1.0
    assert db_to_gain(-6.0206) == pytest.approx(0.5, rel=1e-4)
    assert db_to_gain(-200) == 0.0
    assert db_to_gain(float("nan")) == 0.0
    assert db_to_gain(float("-inf")) == 0.0
    assert db_to_gain(1000) == pytest.approx(10 ** (24 / 20))


def test_mute_and_solo_rule():
    tracks = [TrackState(), TrackState(muted=True), TrackState(solo=True), TrackState(solo=True, muted=True)]
    assert audible(tracks) == [False, False, True, False]
    assert audible([TrackState(), TrackState(muted=True)]) == [True, False]


def test_mix_sums_with_gain_and_clips():
    a = np.full((2, 100), 0.25, np.float32)
    b = np.full((2, 50), 0.5, np.float32)
    out = mix([(a, 0.0), (b, -6.0206)], samples=100)
    assert out[0, 0] == pytest.approx(0.5, abs=1e-4) and out[0, 99] == pytest.approx(0.25)
    loud = mix([(np.full((2, 10), 0.9, np.float32), 0.0)] * 3)
    assert loud.max() == 1.0


def test_nan_and_inf_samples_become_silence():
    bad = np.array([[np.nan, np.inf, -np.inf, 0.5]], np.float32)
    np.testing.assert_array_equal(sanitize(bad), [[0, 0, 0, 0.5]])
    out = mix([(np.repeat(bad, 2, axis=0), 0.0), (np.full((2, 4), 0.1, np.float32), 0.0)])
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0], [0.1, 0.1, 0.1, 0.6], atol=1e-6)


def test_resample_keeps_pitch_and_length():
    source = tone(1.0, freq=500, rate=16000, channels=1)
    out = resample(source, 16000, 48000)
    assert out.shape == (2, 48000) and out.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(out[0]))
    assert np.argmax(spectrum) * 48000 / 48000 == pytest.approx(500, abs=2)
    assert resample(np.array([[np.nan] * 1600], np.float32), 16000).max() == 0.0
