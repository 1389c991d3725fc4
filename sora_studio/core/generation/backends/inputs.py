"""Reading user inputs (first-frame images, remix videos, references) into what pipelines take."""

from __future__ import annotations

from pathlib import Path

from sora_studio.errors import BadInput


def load_image(path: str, width: int, height: int):
    """A PIL RGB image resized to the generation size; BadInput for missing or unreadable files."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return img.convert("RGB").resize((width, height))
    except (OSError, UnidentifiedImageError) as exc:
        raise BadInput(f"cannot read image {path}: {exc}") from exc


def load_video_frames(path: str, width: int, height: int, count: int) -> list:
    """The first `count` frames of a video as PIL images (the last frame repeats when it is short)."""
    import av
    from PIL import Image

    if not Path(path).is_file():
        raise BadInput(f"remix source {path} does not exist")
    frames = []
    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise BadInput(f"{path} has no video stream to remix")
            for frame in container.decode(video=0):
                frames.append(frame.to_image().convert("RGB").resize((width, height), Image.BILINEAR))
                if len(frames) >= count:
                    break
    except av.error.FFmpegError as exc:
        raise BadInput(f"cannot decode {path}: {exc}") from exc
    if not frames:
        raise BadInput(f"{path} has no decodable frames")
    while len(frames) < count:
        frames.append(frames[-1])
    return frames
