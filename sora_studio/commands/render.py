"""`sora-studio render DIR -o OUT.mp4 [--preset NAME]`: export a project's timeline from the command line.

Progress goes to stderr (a bar on a terminal, a line every 5% otherwise). Ctrl-C cancels cleanly: the
export stops at the next frame, its temporary file is removed, and the exit code is 130.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from sora_studio.cli import emit, json_parent
from sora_studio.errors import Cancelled

EXIT_INTERRUPTED = 130


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", parents=[json_parent()], help="export a project's timeline to MP4 (H.264 + AAC)")
    p.add_argument("project", help="project folder (NAME.sorastudio)")
    p.add_argument("-o", "--output", help="output .mp4 (default: the project's renders/ folder)")
    p.add_argument("--preset", default="1080p",
                   help="FORMAT[FPS][-QUALITY]: formats 1080p, 720p, vertical, square; 24/25/30 fps; "
                        "draft/standard/high (default 1080p = 1080p30-standard)")
    p.add_argument("--list-presets", action="store_true", help="print the presets and exit")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sora_studio.core.cancel import CancelToken
    from sora_studio.core.export.presets import get_preset, load_presets
    from sora_studio.core.export.render import render_timeline
    from sora_studio.core.project.bundle import Project

    if args.list_presets:
        presets = load_presets()
        emit(args, {"presets": [p.to_dict() for p in presets.values()]},
             "\n".join(f"{p.name:22s} {p.width}x{p.height}  {p.label}" for p in presets.values()))
        return 0
    preset = get_preset(args.preset)
    project = Project.open(args.project, session=False)
    output = Path(args.output) if args.output else project.renders_dir / f"{project.name}-{preset.name}.mp4"
    token = CancelToken()
    bar = _ProgressBar()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if token.cancelled:  # a second Ctrl-C: stop right away (cleanup still runs)
            raise KeyboardInterrupt
        token.cancel("cancelled with Ctrl-C")

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        result = render_timeline(project.timeline, project.resolve, output, preset, progress=bar.update, cancel=token)
    except (Cancelled, KeyboardInterrupt):
        bar.close()
        print(f"sora-studio: render cancelled; nothing was written to {output}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGINT, previous)
        bar.close()
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    human = (f"wrote {result.path} ({result.frames} frames, {result.duration_s:.2f} s, {result.width}x{result.height}"
             f" @ {result.fps} fps, {result.encoder}) in {result.elapsed_s:.1f} s ({result.speed:.2f}x real time)")
    emit(args, result.to_dict(), human)
    return 0


class _ProgressBar:
    """One line redrawn on a terminal; plain lines at every 5% when stderr is a file or pipe."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last_step = -1
        self.last_draw = 0.0
        self.open = False

    def update(self, done: int, total: int) -> None:
        fraction = done / max(total, 1)
        now = time.monotonic()
        elapsed = now - self.started
        eta = elapsed / fraction - elapsed if fraction > 0 else 0.0
        text = f"frame {done}/{total} ({fraction:4.0%})  eta {eta:5.1f}s"
        if self.tty:
            if now - self.last_draw < 0.1 and done != total:
                return
            width = 30
            filled = int(width * fraction)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}")
            self.open = True
            self.last_draw = now
        else:
            step = int(fraction * 20)
            if step == self.last_step:
                return
            self.last_step = step
            sys.stderr.write(f"render: {text}\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.open:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.open = False
