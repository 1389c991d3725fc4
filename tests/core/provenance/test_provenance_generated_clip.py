"""Every generated clip carries the invisible trace mark and a ledger record; exports of it are watermarked,
marked and signed by default (no hooks passed)."""

from sora_studio.core.audio.placement import place_generated_clip
from sora_studio.core.export.render import render_timeline
from sora_studio.core.export.presets import get_preset
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.generation.runner import ModelCache, generate, write_output
from sora_studio.core.project.bundle import Project
from sora_studio.core.provenance.verify import verify_file


def test_generated_clip_is_traced_and_its_export_is_signed(tmp_path, tiny_models):
    tiny_models.install("wan")
    request = GenerationRequest(model_id="wan-tiny", prompt="a lighthouse at dusk", seconds=2.0, width=256,
                                height=144, fps=16, seed=11, steps=2)
    output = generate(request, cache=ModelCache())
    clip = tmp_path / "gen.mp4"
    result = write_output(output, clip)
    mark_id = result["recipe"]["trace_mark_id"]
    assert mark_id and len(mark_id) == 16

    report = verify_file(clip)
    assert report["trace_mark"]["found"] and report["trace_mark"]["id"] == mark_id  # in the pixels
    assert report["ledger"]["match"] in ("sha256", "trace_mark")
    assert report["ledger"]["record"]["kind"] == "generation"

    project = Project.create(tmp_path / "p", rate=16, width=256, height=144, session=False)
    item = project.import_media(clip)  # imported like footage: the clip's own recipe marks it as generated
    assert item.recipe["trace_mark_id"] == mark_id
    place_generated_clip(project, item).apply(project.timeline)
    out = tmp_path / "film.mp4"
    render_timeline(project.timeline, project.resolve, out, get_preset("720p24-draft"))
    exported = verify_file(out)
    assert exported["c2pa"]["state"] in ("Trusted", "Valid")
    created = exported["c2pa"]["actions"][0]
    assert created["action"] == "c2pa.created" and created["digitalSourceType"].endswith("trainedAlgorithmicMedia")
    assert exported["c2pa"]["studio"]["contains_generated"]
    layers = exported["trace_mark"]["layers"]
    assert layers["export"]["found"] and layers["generation"]["id"] == mark_id  # both marks survive the export
    assert exported["ledger"]["record"]["kind"] == "export"
