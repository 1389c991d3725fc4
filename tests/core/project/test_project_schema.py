"""project.json: malformed files, newer schemas and the migration from a hand-written version 0."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sora_studio.core.project import schema
from sora_studio.core.project.bundle import Project
from sora_studio.errors import BadInput

V0_PROJECT = """{
  "version": 0,
  "title": "Prototype Cut",
  "fps": "29.97",
  "resolution": "1280x720",
  "media": ["media/interview.mp4", "media/logo.png", "media/music.wav"]
}
"""


def test_malformed_json_names_line_and_column(tmp_path):
    project = Project.create(tmp_path / "p", session=False)
    (project.path / "project.json").write_text('{\n  "schema_version": 1,\n  "name": "x",,\n}')
    with pytest.raises(BadInput, match="line 3 column"):
        Project.open(project.path)


@pytest.mark.parametrize(
    "content, message",
    [
        ("[1, 2]", "JSON object"),
        ('{"schema_version": "one"}', "schema_version"),
        ('{"schema_version": 1, "name": "", "settings": {}}', "name"),
        ('{"schema_version": 1, "name": "x", "settings": {"rate": 24, "width": 10, "height": 10}}', "width"),
        ('{"schema_version": 1, "name": "x", "settings": {"rate": "fast", "width": 64, "height": 64}}', "frame rate"),
        ('{"schema_version": 1, "name": "x", "settings": {"rate": 24, "width": 64, "height": 64}, "media": [{"id": 1}]}', "media"),
    ],
)
def test_malformed_documents_are_bad_input(tmp_path, content, message):
    project = Project.create(tmp_path / "p", session=False)
    (project.path / "project.json").write_text(content)
    with pytest.raises(BadInput, match=message):
        Project.open(project.path)


def test_not_utf8_and_missing_project_json(tmp_path):
    project = Project.create(tmp_path / "p", session=False)
    (project.path / "project.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(BadInput, match="UTF-8"):
        Project.open(project.path)
    (project.path / "project.json").unlink()
    with pytest.raises(BadInput, match="no project.json"):
        Project.open(project.path)


def test_newer_schema_asks_to_upgrade(tmp_path):
    project = Project.create(tmp_path / "p", session=False)
    document = json.loads((project.path / "project.json").read_text())
    document["schema_version"] = schema.SCHEMA_VERSION + 1
    (project.path / "project.json").write_text(json.dumps(document))
    with pytest.raises(BadInput, match="newer Sora Studio.*upgrade"):
        Project.open(project.path)


def test_migration_from_hand_written_v0(tmp_path, media_dir):
    folder = tmp_path / "proto.sorastudio"
    (folder / "media").mkdir(parents=True)
    (folder / "project.json").write_text(V0_PROJECT)
    shutil.copyfile(media_dir / "short.mp4", folder / "media" / "interview.mp4")
    project = Project.open(folder)
    assert project.name == "Prototype Cut"
    assert project.settings.rate == Fraction(30000, 1001)
    assert (project.settings.width, project.settings.height) == (1280, 720)
    assert [(m.url, m.kind, m.missing) for m in project.media] == [
        ("media/interview.mp4", "video", False),
        ("media/logo.png", "image", True),
        ("media/music.wav", "audio", True),
    ]
    assert project.metadata["migrated_from"] == 0
    assert [t.kind for t in project.timeline.tracks] == ["video", "audio"]
    project.save()  # saved in the current schema from then on
    document = json.loads((folder / "project.json").read_text())
    assert document["schema_version"] == schema.SCHEMA_VERSION
    assert Project.open(folder, session=False).media[0].url == "media/interview.mp4"


def test_migrate_steps_and_bad_v0():
    assert set(schema.MIGRATIONS) == set(range(schema.SCHEMA_VERSION))
    with pytest.raises(BadInput, match="resolution"):
        schema.migrate({"version": 0, "resolution": "big"})
    with pytest.raises(BadInput, match="not a path"):
        schema.migrate({"version": 0, "media": [42]})


def test_corrupt_or_missing_timeline_is_bad_input(tmp_path):
    project = Project.create(tmp_path / "p", session=False)
    timeline = project.path / "timeline.otio"
    timeline.write_text('{"OTIO_SCHEMA": "Timeline.1", "tracks": [')
    with pytest.raises(BadInput, match="not a readable OTIO timeline"):
        Project.open(project.path)
    timeline.write_text('{"OTIO_SCHEMA": "Gap.1", "name": "just a gap"}')
    with pytest.raises(BadInput, match="not a timeline"):
        Project.open(project.path)
    timeline.unlink()
    with pytest.raises(BadInput, match="timeline.otio is missing"):
        Project.open(project.path)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(["schema_version", "name", "settings", "media", "timeline", "metadata", "saved_ns", "rate"]),
    sub=st.sampled_from([None, "rate", "width", "height", "extra"]),
    value=_json_values,
)
def test_any_damaged_field_opens_or_is_bad_input(tmp_path_factory, key, sub, value):
    """Whatever a field is replaced with, open() either works or raises BadInput — nothing else."""
    folder = tmp_path_factory.mktemp("fuzz") / "p"
    project = Project.create(folder, session=False)
    document = json.loads((project.path / "project.json").read_text())
    if sub is not None and key == "settings":
        document["settings"][sub] = value
    else:
        document[key] = value
    (project.path / "project.json").write_text(json.dumps(document))
    try:
        opened = Project.open(project.path, session=False)
    except BadInput:
        return
    opened.timeline.check_invariants()
