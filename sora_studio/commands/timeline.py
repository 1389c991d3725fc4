"""`sora-studio timeline export DIR FILE [--format ...]` and `timeline import FILE DIR`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sora_studio.cli import emit, json_parent
from sora_studio.core.project.bundle import Project, bundle_path
from sora_studio.core.timeline import otio_io, queries
from sora_studio.core.timeline.model import Timeline
from sora_studio.errors import BadInput


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("timeline", help="exchange timelines with other editors (OTIO, FCP 7 XML, FCPXML, EDL)")
    actions = group.add_subparsers(dest="timeline_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", parents=[json_parent()], help="write a project's timeline to a file")
    export.add_argument("dir", help="project folder (NAME.sorastudio)")
    export.add_argument("file", help="output file (.otio, .xml, .fcpxml, .edl)")
    export.add_argument("--format", choices=sorted(otio_io.FORMATS), help="format (default: from the file suffix)")
    export.set_defaults(func=_export)
    imp = actions.add_parser("import", parents=[json_parent()], help="replace a project's timeline with one read from a file")
    imp.add_argument("file", help="timeline file (.otio, .xml, .fcpxml, .edl)")
    imp.add_argument("dir", help="project folder; created when it does not exist")
    imp.add_argument("--format", choices=sorted(otio_io.FORMATS), help="format (default: from the file suffix)")
    imp.set_defaults(func=_import)


def _export(args: argparse.Namespace) -> int:
    project = Project.open(args.dir, session=False)
    warnings = otio_io.export_timeline(project.timeline, args.file, args.format, resolve=project.resolve)
    fmt = otio_io.format_for_path(args.file, args.format)
    _warn(args, warnings)
    data = {"file": str(args.file), "format": fmt, "warnings": warnings, **queries.stats(project.timeline)}
    emit(args, data, f"exported {data['clips']} clips to {args.file} ({fmt})")
    return 0


def _import(args: argparse.Namespace) -> int:
    given = Path(args.dir)
    folder = given if given.is_dir() else bundle_path(given)
    created = not folder.is_dir()
    project = None if created else Project.open(folder)
    try:
        rate = None if project is None else project.settings.rate
        timeline, warnings = otio_io.import_timeline(args.file, bundle=folder, fmt=args.format, rate=rate)
        if project is None:
            project = Project.create(folder, rate=timeline.rate)
        elif timeline.rate != project.settings.rate:
            raise BadInput(
                f"{args.file} is at {float(timeline.rate):g} fps but the project is at "
                f"{float(project.settings.rate):g} fps: import it into a new project instead"
            )
        _replace_timeline(project.timeline, timeline)
        project.refresh_missing()
        project.adopt_timeline_media()
        project.save()
    finally:
        if project is not None:
            project.close()
    _warn(args, warnings)
    data = {"project": str(project.path), "created": created, "warnings": warnings, **queries.stats(project.timeline)}
    emit(args, data, f"imported {data['clips']} clips into {project.path}")
    return 0


def _replace_timeline(target: Timeline, source: Timeline) -> None:
    with target.changed.blocked():
        target.name = source.name
        target.tracks = source.tracks
        target.markers = source.markers
        target.metadata = source.metadata
    target.changed.emit(None)


def _warn(args: argparse.Namespace, warnings: list[str]) -> None:
    if not getattr(args, "json", False):
        for warning in warnings:
            print(f"sora-studio: warning: {warning}", file=sys.stderr)
