"""Reading and writing timelines in interchange formats through OpenTimelineIO adapters.

Formats: otio (otio_json, lossless), fcp7 (Final Cut Pro 7 XML, adapter fcp_xml), fcpxml (Final Cut Pro
X XML, adapter fcpx_xml), edl (CMX 3600, adapter cmx_3600: one video track, no audio). What a format
cannot carry is reported in the returned warnings, never dropped silently.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from sora_studio.core.fsutil import atomic_output, safe_relative
from sora_studio.core.time import snap_rate
from sora_studio.core.timeline.fcpxml_times import normalise_fcpxml, ntsc_fcpxml
from sora_studio.core.timeline.model import Timeline
from sora_studio.core.timeline.otio_export import to_otio
from sora_studio.core.timeline.otio_import import from_otio
from sora_studio.errors import BadInput, StudioError

__all__ = ["FORMATS", "export_timeline", "import_timeline", "to_otio", "from_otio", "format_for_path", "dumps", "loads"]

# our format name -> (OTIO adapter name, file suffix)
FORMATS: dict[str, tuple[str, str]] = {
    "otio": ("otio_json", ".otio"),
    "fcp7": ("fcp_xml", ".xml"),
    "fcpxml": ("fcpx_xml", ".fcpxml"),
    "edl": ("cmx_3600", ".edl"),
}
MAX_FILE_BYTES = 256 * 1024 * 1024


def format_for_path(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The format named by `fmt`, or guessed from the suffix (.otio, .xml, .fcpxml, .edl)."""
    if fmt:
        if fmt not in FORMATS:
            raise BadInput(f"unknown timeline format {fmt!r} (use one of: {', '.join(FORMATS)})")
        return fmt
    suffix = Path(path).suffix.lower()
    for name, (_, ext) in FORMATS.items():
        if suffix == ext:
            return name
    raise BadInput(f"cannot tell the timeline format of {Path(path).name!r}: use --format ({', '.join(FORMATS)})")


def dumps(timeline: Timeline) -> str:
    """The timeline as OTIO JSON text (what a project's timeline.otio holds)."""
    return otio.adapters.write_to_string(to_otio(timeline), "otio_json")


def loads(text: str) -> tuple[Timeline, list[str]]:
    try:
        source = otio.adapters.read_from_string(text, "otio_json")
    except Exception as exc:
        raise BadInput(f"not a readable OTIO timeline: {exc}") from None
    return _from_any(source, None)


# -- export ---------------------------------------------------------------------------------
def export_timeline(
    timeline: Timeline,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    resolve: Callable[[str], Path] | None = None,
) -> list[str]:
    """Write `timeline` to `path` atomically; returns warnings about what the format could not keep.

    `resolve` turns take URLs (bundle-relative) into real paths; other tools get absolute file:// URLs.
    """
    fmt = format_for_path(path, fmt)
    adapter, _ = FORMATS[fmt]
    warnings: list[str] = []
    map_url = None if fmt == "otio" else _absolute_url_mapper(resolve)
    source = to_otio(timeline, map_url, _fcpx_grid(timeline.rate) if fmt == "fcpxml" else None)
    if fmt == "edl":
        source = _edl_subset(source, warnings)
    elif fmt != "otio":
        warnings.extend(_xml_losses(timeline, fmt))
    try:
        text = otio.adapters.write_to_string(source, adapter)
    except Exception as exc:
        raise StudioError(f"could not write the timeline as {fmt}: {str(exc).strip() or type(exc).__name__}") from exc
    if fmt == "fcpxml" and timeline.rate.denominator != 1:
        text = ntsc_fcpxml(text, timeline.rate)
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return warnings


_FCPX_RATES = (Fraction(24000, 1001), 24, 25, Fraction(30000, 1001), 30, 50, Fraction(60000, 1001), 60)


def _fcpx_grid(rate: Fraction) -> float:
    """The whole rate FCPXML is written at (NTSC times are moved onto the true grid afterwards)."""
    if rate not in _FCPX_RATES:
        raise BadInput(f"FCPXML export supports 23.976, 24, 25, 29.97, 30, 50, 59.94 and 60 fps, not {float(rate):g}")
    return float(round(rate))


def _absolute_url_mapper(resolve: Callable[[str], Path] | None) -> Callable[[str], str]:
    def mapper(url: str) -> str:
        if "://" in url:
            return url
        path = Path(url)
        if not path.is_absolute():
            if resolve is None:
                return url
            try:
                path = resolve(url)
            except BadInput:
                return url
        return path.absolute().as_uri()

    return mapper


def _edl_subset(source: otio.schema.Timeline, warnings: list[str]) -> otio.schema.Timeline:
    """CMX 3600 holds one video track: keep the top-most video track with clips, report the rest."""
    video = [t for t in source.tracks if t.kind == otio.schema.TrackKind.Video]
    audio = [t for t in source.tracks if t.kind == otio.schema.TrackKind.Audio]
    used = [t for t in video if any(isinstance(i, otio.schema.Clip) for i in t)]
    keep = used[-1] if used else (video[-1] if video else otio.schema.Track(kind=otio.schema.TrackKind.Video))
    for track in video:
        if track is not keep and any(isinstance(i, otio.schema.Clip) for i in track):
            warnings.append(f"EDL keeps one video track: video track {track.name!r} was not exported")
    for track in audio:
        if any(isinstance(i, otio.schema.Clip) for i in track):
            warnings.append(f"EDL export is video only: audio track {track.name!r} was not exported")
    clips = [i for i in keep if isinstance(i, otio.schema.Clip)]
    if not clips:
        raise BadInput("the timeline has no video clips to write as an EDL")
    lead = keep.range_of_child(clips[0]).start_time.to_frames()
    if lead > 0:
        warnings.append(f"EDL readers start at the first event: the {lead}-frame gap before the first clip is not kept")
    if any(len(c.media_references()) > 1 for c in clips):
        warnings.append("EDL keeps only the active take of each clip")
    if any(not c.enabled for c in clips):
        warnings.append("EDL has no disabled clips: disabled clips were exported as normal events")
    if source.tracks.markers:
        warnings.append("EDL keeps no timeline markers: markers were not exported")
    warnings.append("EDL keeps no track flags, clip gain, link groups or Sora Studio metadata")
    result = otio.schema.Timeline(name=source.name, global_start_time=source.global_start_time)
    keep_copy = keep.deepcopy()
    if keep_copy.parent() is not None:  # pragma: no cover - deepcopy has no parent
        keep_copy = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    result.tracks.append(keep_copy)
    return result


def _xml_losses(timeline: Timeline, fmt: str) -> list[str]:
    losses = []
    if any(len(c.takes) > 1 for _, c in timeline.clips()):
        losses.append(f"{fmt} keeps only the active take of each clip")
    if fmt == "fcpxml" and timeline.markers:
        losses.append("fcpxml export keeps no timeline markers")
    if any(t.muted or t.solo or t.locked for t in timeline.tracks):
        losses.append(f"{fmt} may not keep track mute/solo/lock flags")
    return losses


# -- import ---------------------------------------------------------------------------------
def import_timeline(
    path: str | os.PathLike[str],
    bundle: str | os.PathLike[str] | None = None,
    fmt: str | None = None,
    rate: Fraction | None = None,
) -> tuple[Timeline, list[str]]:
    """Read a timeline file. With `bundle`, relative media paths are mapped inside that project folder.

    `rate` is needed only for EDLs, which do not say their rate: without it 24 fps is assumed (29.97
    when the EDL uses drop-frame timecode).

    Absolute media paths stay as they are (marked missing when the file does not exist); a relative
    path that would escape the bundle is never resolved: it becomes media/<file name>, marked missing.
    """
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"timeline file not found: {file}")
    if file.stat().st_size > MAX_FILE_BYTES:
        raise BadInput(f"{file.name} is larger than {MAX_FILE_BYTES // 2**20} MiB: not a timeline file")
    fmt = format_for_path(file, fmt)
    try:
        text = file.read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{file.name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    warnings: list[str] = []
    true_rate = None
    if fmt == "fcpxml":
        text, true_rate = normalise_fcpxml(text)
    source = _read(file.name, text, fmt, rate, warnings)
    mapper = _bundle_url_mapper(Path(bundle), warnings) if bundle is not None else _plain_url_mapper()
    timeline, more = _from_any(source, mapper)
    if true_rate is not None:
        timeline.rate = snap_rate(true_rate)  # frame counts were read on the integer grid
    return timeline, warnings + more


def _read(name: str, text: str, fmt: str, rate: Fraction | None, warnings: list[str]) -> object:
    adapter, _ = FORMATS[fmt]
    options: dict[str, object] = {}
    if fmt == "edl":
        options = {"rate": float(rate or 24), "ignore_timecode_mismatch": True}
    try:
        return otio.adapters.read_from_string(text, adapter, **options)
    except Exception as exc:
        if fmt == "edl" and rate is None and "drop frame" in str(exc):
            warnings.append("the EDL uses drop-frame timecode: read at 29.97 fps")
            return _read(name, text, fmt, Fraction(30000, 1001), warnings)
        raise BadInput(f"could not read {name} as {fmt}: {str(exc).strip() or type(exc).__name__}") from None


def _from_any(source: object, map_url: Callable[[str], tuple[str, bool | None]] | None) -> tuple[Timeline, list[str]]:
    if isinstance(source, otio.schema.SerializableCollection):
        timelines = list(source.find_children(descended_from_type=otio.schema.Timeline))
        if not timelines:
            raise BadInput("the file holds no timeline")
        timeline, warnings = from_otio(timelines[0], map_url)
        if len(timelines) > 1:
            warnings.append(f"the file holds {len(timelines)} timelines: only the first was imported")
        return timeline, warnings
    if not isinstance(source, otio.schema.Timeline):
        raise BadInput(f"the file holds a {type(source).__name__}, not a timeline")
    return from_otio(source, map_url)


def url_to_path(url: str) -> str:
    """file:// URL -> local path text; other text unchanged."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return urllib.parse.unquote(parsed.path)
    return url


def _plain_url_mapper() -> Callable[[str], tuple[str, bool | None]]:
    """Without a bundle: absolute paths are checked; relative ones keep what the file says (None)."""

    def mapper(url: str) -> tuple[str, bool | None]:
        text = url_to_path(url)
        if "://" in text:
            return text, True
        path = Path(text)
        return text, (not path.exists()) if path.is_absolute() else None

    return mapper


def _bundle_url_mapper(bundle: Path, warnings: list[str]) -> Callable[[str], tuple[str, bool]]:
    def mapper(url: str) -> tuple[str, bool]:
        text = url_to_path(url)
        if "://" in text:
            warnings.append(f"media {text!r} is not a local file: marked missing")
            return text, True
        if not text:
            return "", True
        if Path(text).is_absolute():
            return text, not Path(text).exists()
        try:
            return text, not safe_relative(bundle, text).exists()
        except BadInput:
            name = Path(text).name
            safe = f"media/{name if name not in ('', '.', '..') else 'missing'}"
            warnings.append(f"media path {text!r} leads outside the project: not followed, relink it (kept as {safe}, missing)")
            return safe, True

    return mapper
