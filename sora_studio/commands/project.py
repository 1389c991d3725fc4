"""`sora-studio new DIR` and `sora-studio info DIR`: create and describe project bundles."""

from __future__ import annotations

import argparse
from typing import Any

from sora_studio.cli import emit, json_parent
from sora_studio.core.project.bundle import Project
from sora_studio.core.project.recent import add_recent
from sora_studio.core.time import frames_to_seconds, timecode
from sora_studio.core.timeline import queries
from sora_studio.errors import BadInput


def register(sub: argparse._SubParsersAction) -> None:
    new = sub.add_parser(
        "new",
        parents=[json_parent()],
        help="create a project bundle (DIR gets the .sorastudio suffix when it lacks it)",
    )
    new.add_argument("dir", help="project folder to create, e.g. 'My Film' -> 'My Film.sorastudio'")
    new.add_argument("--name", help="project name (default: the folder name)")
    new.add_argument("--rate", default="24", help="timeline frame rate: 24, 25, 29.97, 30000/1001, ...")
    new.add_argument("--size", default="1920x1080", help="frame size WIDTHxHEIGHT (default 1920x1080)")
    new.set_defaults(func=_new)
    info = sub.add_parser("info", parents=[json_parent()], help="describe a project: settings, tracks, duration, media")
    info.add_argument("dir", help="project folder (NAME.sorastudio)")
    info.set_defaults(func=_info)


def _parse_size(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise BadInput(f"--size must look like 1920x1080, not {text!r}")
    return int(parts[0]), int(parts[1])


def _new(args: argparse.Namespace) -> int:
    width, height = _parse_size(args.size)
    project = Project.create(args.dir, name=args.name, rate=args.rate, width=width, height=height, session=False)
    add_recent(project.path)
    data = describe(project)
    emit(args, data, f"created {project.path}")
    return 0


def _info(args: argparse.Namespace) -> int:
    project = Project.open(args.dir, session=False)
    data = describe(project)
    emit(args, data, format_info(data))
    return 0


def describe(project: Project) -> dict[str, Any]:
    timeline = project.timeline
    rate = project.settings.rate
    stats = queries.stats(timeline)
    missing = project.missing_media()
    missing_takes = sorted({t.url for _, c in timeline.clips() for t in c.takes.values() if t.missing})
    return {
        "path": str(project.path),
        "name": project.name,
        "rate": f"{rate.numerator}/{rate.denominator}",
        "fps": float(rate),
        "width": project.settings.width,
        "height": project.settings.height,
        "tracks": {"video": stats["video_tracks"], "audio": stats["audio_tracks"]},
        "clips": stats["clips"],
        "markers": stats["markers"],
        "duration": {
            "frames": timeline.duration,
            "seconds": float(frames_to_seconds(timeline.duration, rate)),
            "timecode": timecode(timeline.duration, rate),
        },
        "media": {"count": len(project.media), "missing": [{"id": m.id, "url": m.url} for m in missing]},
        "missing_take_urls": missing_takes,
        "warnings": project.warnings,
    }


def format_info(data: dict[str, Any]) -> str:
    lines = [
        f"{data['name']}  ({data['path']})",
        f"  format:   {data['width']}x{data['height']} at {data['fps']:g} fps ({data['rate']})",
        f"  tracks:   {data['tracks']['video']} video, {data['tracks']['audio']} audio; {data['clips']} clips, {data['markers']} markers",
        f"  duration: {data['duration']['timecode']} ({data['duration']['seconds']:.3f} s)",
        f"  media:    {data['media']['count']} items, {len(data['media']['missing'])} missing",
    ]
    for item in data["media"]["missing"]:
        lines.append(f"    missing: {item['url']}  (relink it in the media library)")
    for url in data["missing_take_urls"]:
        if url not in {m["url"] for m in data["media"]["missing"]}:
            lines.append(f"    missing clip media: {url or '(no media)'}")
    for warning in data["warnings"]:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)
