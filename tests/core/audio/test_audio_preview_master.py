"""Playback hears the export's master: the preview mix of any range equals the export's mix of it (ducking,
fades, loudness gain and limiter), the programme's gain is measured in the background and cached per
timeline state, and ranges played before it is known are un-normalised."""

import numpy as np
import pytest

from sora_studio.core.audio.fades import SetClipFades
from sora_studio.core.audio.loudness import limit, normalize
from sora_studio.core.audio.mixdown import MasterMix, MixSettings, render_mix, samples_at
from sora_studio.core.audio.placement import place_audio_clip
from sora_studio.core.audio.preview import PreviewMix, mix_range
from sora_studio.core.audio.programme import ProgrammeAnalyser, measure_programme, programme_fingerprint
from sora_studio.core.media.synth import tone, write_audio_file
from sora_studio.core.project.bundle import Project
from sora_studio.core.timeline.edits import SetTrackProperty

SR = 48000
SETTINGS = MixSettings(target_lufs=-16.0)


@pytest.fixture
def scene(tmp_path):
    """Dialogue from 1 s to 2 s over a quiet ambience bed with clicks (faded in and out), 4 s at 24 fps, PCM
    sources: normalising it needs gain and the limiter catches the clicks."""
    project = Project.create(tmp_path / "preview", rate=24, width=64, height=64, session=False)
    speech = np.zeros((1, 4 * SR), np.float32)
    speech[0, SR: 2 * SR] = tone(1, 250, channels=1, level=0.05)[0]
    bed = (0.03 * np.random.default_rng(3).standard_normal((2, 4 * SR))).astype(np.float32)
    bed[:, 2400::6000] = 0.9
    for name, audio, role in (("speech.wav", speech, "dialogue"), ("bed.wav", bed, "ambience")):
        item = project.import_media(write_audio_file(tmp_path / name, audio, SR, codec="pcm_s16le"))
        edit, clip = place_audio_clip(project.timeline, item, role, start=0, speaker="Ana" if role == "dialogue" else None)
        edit.apply(project.timeline)
    SetClipFades([clip.id], fade_in=6, fade_out=12).apply(project.timeline)
    return project


def test_preview_ranges_equal_the_exported_master(scene):
    timeline, resolve = scene.timeline, scene.resolve
    export = MasterMix(timeline, resolve, settings=SETTINGS)
    master = export.audio_samples(0, samples_at(timeline.duration, timeline.rate, SR))
    levels = measure_programme(timeline, resolve, SETTINGS)
    assert export.report.ducked_tracks and levels.duck_levels is not None
    assert levels.gain_db == pytest.approx(export.report.gain_db) and abs(levels.gain_db) > 1.0
    assert np.abs(master).max() > 0.85  # the limiter works on this programme (peaks near the ceiling)
    preview = PreviewMix(timeline, resolve, SETTINGS)
    preview.programme = levels
    # playback's own blocking: a quarter second of pre-roll, then tenths of a second, across the speech onset
    start, blocks = 18, [6] + [2] * 12
    heard, frame = [], start
    for n in blocks:
        heard.append(preview.audio(frame, n, SR))
        frame += n
    heard = np.concatenate(heard, axis=1)
    a = samples_at(start, timeline.rate, SR)
    np.testing.assert_allclose(heard, master[:, a: a + heard.shape[1]], atol=2e-6)
    for first, count in ((0, 4800), (int(1.5 * SR), 2000), (4 * SR - 3000, 6000)):  # fade in, ducked, fade out + past the end
        got = mix_range(timeline, resolve, first, count, SETTINGS, levels)
        want = np.zeros((2, count), np.float32)
        want[:, : max(0, min(count, master.shape[1] - first))] = master[:, first: first + count]
        np.testing.assert_allclose(got, want, atol=2e-6)
    preview.close()


def test_until_the_gain_is_known_playback_is_unnormalised_and_ducked_from_context(scene):
    timeline, resolve = scene.timeline, scene.resolve
    plain, _ = render_mix(timeline, resolve, settings=MixSettings(target_lufs=None))
    got = mix_range(timeline, resolve, int(1.5 * SR), 4800, SETTINGS, programme=None)
    want = plain[:, int(1.5 * SR): int(1.5 * SR) + 4800]
    assert 20 * np.log10(np.std(got) / np.std(want)) == pytest.approx(0.0, abs=0.05)  # same level, no gain
    before = mix_range(timeline, resolve, int(0.5 * SR), 4800, SETTINGS, programme=None)
    np.testing.assert_allclose(before, plain[:, int(0.5 * SR): int(0.5 * SR) + 4800], atol=2e-6)


def test_the_background_measurement_is_cached_per_timeline_state(scene):
    timeline, resolve = scene.timeline, scene.resolve
    analyser = ProgrammeAnalyser(SETTINGS, debounce_s=0.0)
    try:
        preview = PreviewMix(timeline, resolve, SETTINGS, analyser)
        first = analyser.wait(preview.fingerprint)
        assert first is not None and analyser.measured == 1
        preview.audio(0, 2)
        assert preview.programme is first  # picked up by the next block
        bed = timeline.audio_tracks()[-1]
        edit = SetTrackProperty(bed.id, "gain_db", -12.0)
        edit.apply(timeline)
        changed = programme_fingerprint(timeline, SETTINGS)
        assert changed != preview.fingerprint and analyser.levels(changed) is None  # invalidated by the edit
        quieter = analyser.wait(analyser.request(timeline, resolve))
        assert quieter is not None and quieter.gain_db > first.gain_db  # a quieter bed needs more gain
        edit.revert(timeline)
        assert analyser.request(timeline, resolve) == preview.fingerprint and analyser.measured == 2  # undo: cached
    finally:
        analyser.close()
        analyser.close()  # idempotent


def test_normalize_reports_the_gain_it_applied():
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal((2, 3 * SR)) * 0.05).astype(np.float32)
    audio[:, ::4800] = 0.99  # peaks: the limiter takes loudness off and the gain is corrected
    out, gain_db, _ = normalize(audio, SR, -9.0)
    np.testing.assert_array_equal(out, limit(audio * np.float32(10 ** (gain_db / 20)), SR))
