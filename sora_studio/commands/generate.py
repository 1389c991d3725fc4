"""`sora-studio generate`: one clip through the engine worker (the same path the GUI uses)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sora_studio.cli import emit, json_parent
from sora_studio.engine.protocol import result_or_raise
from sora_studio.errors import BadInput, Cancelled


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", parents=[json_parent()], help="generate a clip (text/image/video to video)")
    add_request_arguments(p)
    p.set_defaults(func=_run)


def add_request_arguments(p: argparse.ArgumentParser) -> None:
    """The request options shared by `generate` and `farm submit`."""
    p.add_argument("--model", help="model id (default: the best installed model, else the tiny Wan, which makes noise)")
    p.add_argument("--prompt", required=True)
    p.add_argument("--negative-prompt", default="")
    p.add_argument("--seconds", type=float)
    p.add_argument("--size", help="WIDTHxHEIGHT (rounded to the model's multiple with a notice)")
    p.add_argument("--fps", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--steps", type=int)
    p.add_argument("--guidance", type=float)
    p.add_argument("--image", help="first-frame image (image-to-video models)")
    p.add_argument("--last-image", help="last-frame image, with --image (first+last frame models: Wan FLF2V)")
    p.add_argument("--loop", action="store_true", help="end on the first frame: a seamless loop (with --image; FLF2V)")
    p.add_argument("--remix", help="source video to remix (video-to-video)")
    p.add_argument("--strength", type=float, help="remix strength 0..1 (1 ignores the source)")
    p.add_argument("--cameo", action="append", default=[], metavar="NAME",
                   help="put an enrolled cameo in the shot (repeatable, at most 2; `@NAME` in the prompt works too)")
    p.add_argument("-o", "--output", required=True, help="output .mp4")


def request_from_args(args: argparse.Namespace):
    """The GenerationRequest the options describe (input files must exist; the model must be known)."""
    from sora_studio.core.generation.mentions import find_mentions
    from sora_studio.core.generation.request import GenerationRequest
    from sora_studio.core.models.install import default_model_id
    from sora_studio.core.models.manifest import get_manifest

    wants_cameo = bool(args.cameo) or bool(find_mentions(args.prompt))
    last_image = args.image if args.loop else args.last_image
    if (args.loop or args.last_image) and not args.image:
        raise BadInput("--last-image and --loop need a first frame: add --image")
    if args.loop and args.last_image:
        raise BadInput("--loop ends on the first frame; give either --loop or --last-image, not both")
    wanted = "flf2v" if last_image else "i2v" if args.image else "reference" if wants_cameo else "t2v"
    model_id = args.model or default_model_id(wanted)
    width, height = parse_size(args.size)
    for label, path in (("--image", args.image), ("--last-image", args.last_image), ("--remix", args.remix)):
        if path and not Path(path).is_file():
            raise BadInput(f"{label} file {path} does not exist")
    get_manifest(model_id)  # an unknown model is bad input before anything starts
    return GenerationRequest(
        model_id=model_id, prompt=args.prompt, negative_prompt=args.negative_prompt, seconds=args.seconds,
        width=width, height=height, fps=args.fps, seed=args.seed, steps=args.steps, guidance=args.guidance,
        image=str(Path(args.image).resolve()) if args.image else None,
        last_image=str(Path(last_image).resolve()) if last_image else None,
        video=str(Path(args.remix).resolve()) if args.remix else None, strength=args.strength,
        cameos=list(args.cameo),
    )


def parse_size(text: str | None) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    try:
        w, h = text.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise BadInput(f"--size {text!r} is not WIDTHxHEIGHT (e.g. 832x480)") from None


def _run(args: argparse.Namespace) -> int:
    from sora_studio.core.models.manifest import get_manifest
    from sora_studio.engine.client import EngineClient

    request = request_from_args(args)
    model_id = request.model_id
    output = Path(args.output).resolve()
    client = EngineClient()
    bar = _ProgressBar()
    client.progress.connect(lambda _job, step, steps, eta: bar.update(step, steps, eta))
    if get_manifest(model_id).tiny:
        client.started.connect(lambda _job: _tiny_note(model_id))
    try:
        job_id = client.submit(request, output)  # the policy gate: a refusal (exit 3) never starts the worker
        try:
            final = client.wait(job_id)
        except KeyboardInterrupt:
            client.cancel(job_id)
            final = client.wait(job_id, timeout=30)
            raise Cancelled("generation cancelled") from None
    finally:
        bar.close()
        client.close()
    result = result_or_raise(final)
    for notice in result.get("notices", []):
        print(f"notice: {notice}", file=sys.stderr)
    human = f"wrote {result['media']} (recipe: {result['recipe_file']})"
    if result.get("produces_noise"):
        human += "\n(tiny model: the clip is noise by design)"
    emit(args, result, human)
    return 0


def _tiny_note(model_id: str) -> None:
    print(f"note: using {model_id}, a tiny random-weight model: the result is NOISE, not a real video. "
          "Install a real model with `sora-studio models pull wan2.1-t2v-1.3b`.", file=sys.stderr)


class _ProgressBar:
    """A one-line progress bar on stderr (only when stderr is a terminal, plain lines otherwise)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = False

    def update(self, step: int, steps: int, eta: float) -> None:
        width = 30
        filled = int(width * step / max(steps, 1))
        line = f"[{'#' * filled}{'.' * (width - filled)}] step {step}/{steps}  eta {eta:5.1f}s"
        if self.tty:
            sys.stderr.write("\r" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
