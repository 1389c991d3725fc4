"""Provenance through a real export: render_timeline + provenance_hooks -> signed, marked, recorded."""

from fractions import Fraction

import numpy as np
import pytest

from sora_studio.bench.trace_mark import footage
from sora_studio.core.export.hooks import ExportContext
from sora_studio.core.export.presets import ExportPreset
from sora_studio.core.export.render import render_timeline
from sora_studio.core.media.encode import write_clip
from sora_studio.core.provenance import certificates as certs
from sora_studio.core.provenance.c2pa_sign import COMPOSITE, TRAINED_ALGORITHMIC_MEDIA, UnsignedExportWarning
from sora_studio.core.provenance.c2pa_verify import read_credentials
from sora_studio.core.provenance.export_hooks import mark_generated_frames, provenance_hooks
from sora_studio.core.provenance.ledger import Ledger, sha256_file
from sora_studio.core.provenance.trace_mark import TraceMarkEmbedder
from sora_studio.core.provenance.verify import detect_file
from sora_studio.core.provenance.watermark import VisibleWatermark
from sora_studio.core.timeline.model import NAMESPACE, Clip, Take, Timeline, Track

W, H, FPS = 640, 360, 24
RECIPE = {"model_id": "wan2.1-t2v-1.3b", "prompt": "a fox in the snow", "seed": 11, "fps": FPS,
          "num_inference_steps": 2, "cameo_ids": ["cameo-7"]}


def preset() -> ExportPreset:
    return ExportPreset(name="test360", label="test", width=W, height=H, fps=Fraction(FPS), quality="draft",
                        crf=18, x264_preset="ultrafast", nvenc_preset="p1", nvenc_cq=18)


@pytest.fixture
def generated_clip(tmp_path):
    frames = np.stack(list(footage(W, H, 4 * FPS, FPS, seed=3)))
    marked, mark_id = mark_generated_frames(frames, RECIPE)
    path = write_clip(tmp_path / "generated.mp4", marked, FPS)
    return path, mark_id


@pytest.fixture
def imported_clip(tmp_path):
    return write_clip(tmp_path / "imported.mp4", np.stack(list(footage(W, H, 2 * FPS, FPS, seed=1))), FPS)


def timeline_of(*clips) -> Timeline:
    tl = Timeline(Fraction(FPS))
    start, items = 0, []
    for name, length, metadata in clips:
        items.append(Clip(name, start, length, takes={"DEFAULT_MEDIA": Take(name, length, metadata=metadata)}))
        start += length
    tl.tracks = [Track("video", "V1", clips=items)]
    return tl


def export(tl, paths, out):
    context = ExportContext.for_timeline(tl, preset(), lambda url: paths[url], out)
    hooks = provenance_hooks(context)
    render_timeline(tl, lambda url: paths[url], out, preset(), hooks=hooks)
    return context, hooks


def test_generated_clip_gets_mark_and_ledger_entry(generated_clip):
    path, mark_id = generated_clip
    with Ledger() as ledger:
        record = ledger.by_mark(mark_id)
    assert record.kind == "generation" and record.recipe["seed"] == 11
    assert record.recipe["trace_mark_id"] == f"{mark_id:016x}" and record.fingerprints
    assert detect_file(path)["generation"].mark_id == mark_id


def test_export_with_generated_content_is_marked_signed_and_recorded(generated_clip, imported_clip, tmp_path):
    gen_path, gen_mark = generated_clip
    meta = {NAMESPACE: {"recipe": RECIPE | {"trace_mark_id": f"{gen_mark:016x}"}}}
    tl = timeline_of(("gen", 4 * FPS, meta), ("imp", 2 * FPS, {}))
    out = tmp_path / "final.mp4"
    context, hooks = export(tl, {"gen": gen_path, "imp": imported_clip}, out)
    assert context.contains_generated
    assert any(isinstance(s, VisibleWatermark) for s in hooks.stampers)
    export_mark = hooks.stampers[0].embedder.mark_id
    finalizer = hooks.finalizers[0]
    assert finalizer.outcome.signed

    report = read_credentials(out)
    assert report.state == "Trusted"
    assert report.actions[0]["action"] == "c2pa.created"
    assert report.actions[0]["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert {i["title"] for i in report.ingredients} == {"gen", "imp"}
    assert report.studio["trace_mark_id"] == f"{export_mark:016x}"
    assert report.studio["models"] == ["wan2.1-t2v-1.3b"]
    clip_info = report.studio["clips"][0]
    assert clip_info["seed"] == 11 and clip_info["cameo_ids"] == ["cameo-7"]
    assert "prompt" not in clip_info and len(clip_info["prompt_sha256"]) == 64  # only a hash leaves the studio

    layers = detect_file(out)
    assert layers["export"].mark_id == export_mark
    with Ledger() as ledger:
        record = ledger.by_mark(export_mark)
        assert record.kind == "export" and record.signed
        assert record.sha256 == sha256_file(out)
        assert record.parents == [ledger.by_mark(gen_mark).id]


def test_imported_only_export_is_signed_but_not_marked(imported_clip, tmp_path):
    tl = timeline_of(("imp", 2 * FPS, {}))
    out = tmp_path / "home-video.mp4"
    _, hooks = export(tl, {"imp": imported_clip}, out)
    assert hooks.stampers == []
    report = read_credentials(out)
    assert report.state == "Trusted" and report.actions[0]["digitalSourceType"] == COMPOSITE
    assert not any(d.found for d in detect_file(out).values())
    context = ExportContext.for_timeline(tl, preset(), lambda url: imported_clip, out)
    assert any(isinstance(s, VisibleWatermark) for s in provenance_hooks(context, watermark_imported=True).stampers)


def test_expired_certificate_still_exports_and_says_unsigned(generated_clip, tmp_path):
    import datetime as dt
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=800)
    chain, key, ca = certs.make_ca_chain("Lapsed", "lapsed signer", not_before=past, leaf_days=30)
    (tmp_path / "c.pem").write_bytes(chain)
    (tmp_path / "k.pem").write_bytes(key)
    settings = certs.settings_path()
    settings.write_text(f'{{"certificate": "{tmp_path / "c.pem"}", "private_key": "{tmp_path / "k.pem"}"}}')
    gen_path, gen_mark = generated_clip
    tl = timeline_of(("gen", 2 * FPS, {NAMESPACE: {"recipe": RECIPE}}))
    out = tmp_path / "unsigned.mp4"
    with pytest.warns(UnsignedExportWarning, match="expired"):
        _, hooks = export(tl, {"gen": gen_path}, out)
    assert out.is_file() and read_credentials(out).state == "none"
    assert "expired" in hooks.finalizers[0].outcome.reason
    with Ledger() as ledger:
        assert ledger.by_sha256(sha256_file(out)).signed is False


def test_stamper_renders_once_per_size():
    embedder = TraceMarkEmbedder(5, bytes(32), layer="export")
    frame = np.full((90, 160, 3), 128, np.uint8)
    embedder.mark(frame)
    first = embedder._cache[(160, 90)][0]
    embedder.mark(frame)
    assert embedder._cache[(160, 90)][0] is first
