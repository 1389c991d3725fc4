"""`sora-studio bench export`: timeline export speed against the ffmpeg command line, and seek latency.

(a) A timeline of 3 clips (10 s of 1080p30 in full mode) is exported with render_timeline (as is: same-size
    frames pass straight to the encoder; and through the RGB path a stamped export takes) and, in the same
    run, the same three files are concatenated and encoded by the `ffmpeg` CLI with the same codec, preset,
    CRF and audio settings. Runs alternate; the best of each is compared (ratio = ffmpeg time / our time,
    so 1.0 means as fast as ffmpeg).
    A second baseline uses the same libraries as we do: PyAV decoding the clips straight into the same
    encoder in one thread (no compositing, no RGB round trip), separating build differences from our own
    overhead and from what the two-thread pipeline gains.
(b) Random exact-frame seeks (decode + RGB) on a long-GOP source (one keyframe per 10 s) versus its proxies
    (540p with a 1 s GOP, and all-intra): median and 95th percentile in milliseconds.
Sources are synthetic textured footage made on the spot (no downloads).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from sora_studio.core.export.hooks import ExportHooks
from sora_studio.core.export.presets import ExportPreset, get_preset
from sora_studio.core.export.render import render_timeline
from sora_studio.core.media.decode import VideoReader
from sora_studio.core.media.probe import probe
from sora_studio.core.media.proxy import make_proxy
from sora_studio.core.media.synth import write_scene_video
from sora_studio.core.timeline.model import Clip, Take, Timeline, Track


def _config(quick: bool) -> dict[str, Any]:
    if quick:
        return {"size": (320, 180), "fps": 30, "frames_per_clip": 10, "repeats": 1, "seek_frames": 60,
                "seeks_source": 5, "seeks_proxy": 10, "proxy_height": 90,
                "preset": ExportPreset("bench-quick", "quick", 320, 180, Fraction(30), "standard", 20, "veryfast",
                                       "p2", 23)}
    return {"size": (1920, 1080), "fps": 30, "frames_per_clip": 100, "repeats": 2, "seek_frames": 300,
            "seeks_source": 20, "seeks_proxy": 60, "proxy_height": 540, "preset": get_preset("1080p30-standard")}


def run(quick: bool = False) -> dict[str, Any]:
    cfg = _config(quick)
    work = Path(tempfile.mkdtemp(prefix="sora-bench-export-"))
    try:
        return {
            "quick": quick,
            "cpu_count": os.cpu_count(),
            "load_average_at_start": _load(),
            "export": _bench_export(work, cfg),
            "seek": _bench_seek(work, cfg),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


# -- (a) export vs ffmpeg ---------------------------------------------------------------------
def _bench_export(work: Path, cfg: dict[str, Any]) -> dict[str, Any]:
    preset: ExportPreset = cfg["preset"]
    n = cfg["frames_per_clip"]
    sources = [write_scene_video(work / f"clip{i}.mp4", n, cfg["size"], cfg["fps"], seed=i,
                                 tint=(1.0, 0.8 + 0.1 * i, 0.9), audio_freq=220.0 * (i + 1)) for i in range(3)]
    timeline = Timeline(Fraction(cfg["fps"]))
    video, audio = Track("video", "V1"), Track("audio", "A1")
    for i, source in enumerate(sources):
        take = {"DEFAULT_MEDIA": Take(str(source), n)}
        video.clips.append(Clip(f"clip{i}", i * n, n, takes=dict(take)))
        audio.clips.append(Clip(f"clip{i} audio", i * n, n, takes={"DEFAULT_MEDIA": Take(str(source), n)}))
    timeline.tracks = [video, audio]
    ffmpeg = shutil.which("ffmpeg")
    ours, ours_rgb, theirs, direct = [], [], [], []
    out = work / "ours.mp4"
    for _ in range(cfg["repeats"]):
        result = render_timeline(timeline, str, out, preset)
        ours.append(result.elapsed_s)
        rgb = render_timeline(timeline, str, work / "ours_rgb.mp4", preset, hooks=ExportHooks([_UnchangedStamper()]))
        ours_rgb.append(rgb.elapsed_s)
        if ffmpeg:
            theirs.append(_ffmpeg_export(ffmpeg, sources, work / "ffmpeg.mp4", preset))
        direct.append(_pyav_transcode(sources, work / "direct.mp4", preset))
    info = probe(out)
    frames = 3 * n
    best_ours = min(ours)
    report: dict[str, Any] = {
        "frames": frames,
        "size": f"{preset.width}x{preset.height}",
        "fps": cfg["fps"],
        "codec": f"{result.encoder} preset={preset.x264_preset} crf={preset.crf}, aac {preset.audio_bitrate // 1000}k",
        "ours_s": [round(t, 3) for t in ours],
        "ours_fps": round(frames / best_ours, 1),
        "output_frames": info.frame_count,
        "output_ok": info.frame_count == frames and info.audio_codec == "aac" and info.sample_rate == 48000,
        "ffmpeg": _ffmpeg_version(ffmpeg) if ffmpeg else None,
        "ffmpeg_s": [round(t, 3) for t in theirs],
        "ffmpeg_fps": round(frames / min(theirs), 1) if theirs else None,
        "ratio": round(min(theirs) / best_ours, 3) if theirs else None,
        "ours_rgb_path_s": [round(t, 3) for t in ours_rgb],
        "ours_rgb_path_fps": round(frames / min(ours_rgb), 1),
        "ratio_rgb_path": round(min(theirs) / min(ours_rgb), 3) if theirs else None,
        "pyav_direct_s": [round(t, 3) for t in direct],
        "ratio_vs_pyav_direct": round(min(direct) / best_ours, 3),
    }
    if not ffmpeg:
        report["note"] = "ffmpeg CLI not found (Debian: apt-get install ffmpeg); no baseline this run"
    return report


class _UnchangedStamper:
    """A stamper that changes nothing: forces the composited RGB path a watermarked export takes."""

    def begin(self, width: int, height: int, rate: Fraction, total_frames: int) -> None:
        pass

    def stamp(self, frame: Any, index: int) -> Any:
        return frame


def _ffmpeg_export(ffmpeg: str, sources: list[Path], out: Path, preset: ExportPreset) -> float:
    """The same encode done by the ffmpeg CLI: concat the three clips, libx264 + AAC with our settings."""
    command = [ffmpeg, "-nostdin", "-y", "-v", "error"]
    for source in sources:
        command += ["-i", str(source)]
    streams = "".join(f"[{i}:v][{i}:a]" for i in range(len(sources)))
    command += [
        "-filter_complex", f"{streams}concat=n={len(sources)}:v=1:a=1[v][a]", "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-preset", preset.x264_preset, "-crf", str(preset.crf), "-pix_fmt", "yuv420p",
        "-r", str(preset.fps), "-c:a", "aac", "-b:a", str(preset.audio_bitrate), "-ar", str(preset.audio_rate),
        "-ac", "2", str(out),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def _pyav_transcode(sources: list[Path], out: Path, preset: ExportPreset) -> float:
    """Same-library baseline: PyAV decodes the clips and feeds the decoded frames straight to the same
    encoder settings (no compositing, no RGB round trip, no audio mixing), i.e. our floor."""
    from sora_studio.core.media.encode import add_aac_stream, add_h264_stream

    started = time.perf_counter()
    with av.open(str(out), mode="w", format="mp4") as dst:
        vout = add_h264_stream(dst, preset.width, preset.height, preset.fps, crf=preset.crf,
                               preset=preset.x264_preset, encoder="libx264")
        vout.codec_context.time_base = 1 / preset.fps
        aout = add_aac_stream(dst, preset.audio_rate, preset.audio_bitrate)
        index, sample = 0, 0
        for source in sources:
            with av.open(str(source)) as src:
                vin = src.streams.video[0]
                vin.thread_type = "AUTO"
                for frame in src.decode(vin):
                    frame.pts, frame.time_base = index, vout.codec_context.time_base
                    index += 1
                    for packet in vout.encode(frame):
                        dst.mux(packet)
                src.seek(0)
                for frame in src.decode(src.streams.audio[0]):
                    frame.pts = sample
                    sample += frame.samples
                    for packet in aout.encode(frame):
                        dst.mux(packet)
        for stream in (vout, aout):
            for packet in stream.encode():
                dst.mux(packet)
    return time.perf_counter() - started


def _ffmpeg_version(ffmpeg: str) -> str:
    try:
        first = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"
    return first.split(" Copyright")[0]


# -- (b) seek latency ---------------------------------------------------------------------------
def _bench_seek(work: Path, cfg: dict[str, Any]) -> dict[str, Any]:
    frames, fps = cfg["seek_frames"], cfg["fps"]
    source = write_scene_video(work / "long_gop.mp4", frames, cfg["size"], fps, seed=7, gop=frames)
    cache = work / "cache"
    started = time.perf_counter()
    proxy = make_proxy(source, cache, height=cfg["proxy_height"])
    proxy_s = time.perf_counter() - started
    started = time.perf_counter()
    intra = make_proxy(source, cache, height=cfg["proxy_height"], intra=True)
    intra_s = time.perf_counter() - started
    rng = random.Random(1234)
    return {
        "source": f"{cfg['size'][0]}x{cfg['size'][1]}, {frames} frames, keyframe every {frames / fps:.0f} s",
        "long_gop_source": _seek_stats(source, fps, frames, cfg["seeks_source"], rng),
        "proxy_1s_gop": {**_seek_stats(proxy, fps, frames, cfg["seeks_proxy"], rng), "build_s": round(proxy_s, 2),
                         "height": cfg["proxy_height"]},
        "proxy_intra": {**_seek_stats(intra, fps, frames, cfg["seeks_proxy"], rng), "build_s": round(intra_s, 2),
                        "height": cfg["proxy_height"]},
    }


def _seek_stats(path: Path, fps: int, frames: int, count: int, rng: random.Random) -> dict[str, float]:
    targets = [rng.randrange(frames) for _ in range(count)]
    times = []
    with VideoReader(path) as reader:
        for index in targets:
            started = time.perf_counter()
            reader.frame_at(index / fps)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"seeks": count, "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2)}


def format(result: dict[str, Any]) -> str:
    e, s = result["export"], result["seek"]
    lines = [
        (f"export benchmark ({'quick' if result['quick'] else 'full'}; {result['cpu_count']} CPUs, "
         f"load {result['load_average_at_start']})"),
        f"(a) timeline export: 3 clips, {e['frames']} frames at {e['size']} {e['fps']} fps, {e['codec']}",
        f"    sora-studio render_timeline  {e['ours_fps']:>7} fps   runs {e['ours_s']} s",
    ]
    lines.append(f"    same, through the RGB path     {e['ours_rgb_path_fps']:>7} fps   runs {e['ours_rgb_path_s']} s"
                 "   (a per-frame stamper, as with a watermark)")
    if e["ratio"] is not None:
        lines.append(f"    ffmpeg CLI ({e['ffmpeg']})  {e['ffmpeg_fps']:>7} fps   runs {e['ffmpeg_s']} s")
        lines.append(f"    ratio (ffmpeg time / ours, best runs): {e['ratio']:.2f}x, RGB path {e['ratio_rgb_path']:.2f}x"
                     "  (goal >= 0.8x)")
    else:
        lines.append(f"    {e.get('note', 'no ffmpeg baseline')}")
    lines.append(f"    PyAV serial transcode (same libs, one thread, no compositing): runs {e['pyav_direct_s']} s, "
                 f"ratio {e['ratio_vs_pyav_direct']:.2f}x")
    lines.append(f"    output frames {e['output_frames']} ({'ok' if e['output_ok'] else 'WRONG'})")
    lines.append(f"(b) random exact-frame seek on {s['source']}:")
    for key, label in (("long_gop_source", "long-GOP source"), ("proxy_1s_gop", "proxy, 1 s GOP"),
                       ("proxy_intra", "proxy, all-intra")):
        row = s[key]
        extra = f"   (built in {row['build_s']} s at {row['height']}p)" if "build_s" in row else ""
        lines.append(f"    {label:18s} median {row['median_ms']:8.2f} ms   p95 {row['p95_ms']:8.2f} ms"
                     f"   n={row['seeks']}{extra}")
    return "\n".join(lines)
