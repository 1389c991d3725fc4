"""Invisible trace mark: a 64-bit id spread over the luma of every frame, built to survive the codec.

Design (see docs/provenance.md for the measurements):
- The frame is divided into a coarse grid of cells *relative to the frame size* (128x72 landscape, 72x128
  portrait), so rescaling changes nothing and a 10% crop is a small scale+shift that the detector searches.
- Each cell carries a keyed pseudo-random +-1 sync chip plus a +-1 data chip times one coded bit; the cell
  grid is upsampled smoothly (cubic) so the mark lives at low spatial frequency, where H.264/H.265 keep it.
- The same pattern goes into every frame: frame-rate changes and trims cannot desynchronise it, and the
  detector's correlation sums grow with the number of frames it averages.
- Strength follows local texture (more where the picture is busy, less on flat areas) at an overall RMS
  that keeps PSNR >= 40 dB.
- Payload: 64-bit id + CRC-16, convolutional code K=7 r=1/2, CRC-aided soft list Viterbi (ecc.py).
- Detection whitens each frame, averages, then equalises the average by its local energy (static content
  that averaging cannot remove gets less weight).
- Decision: z = sum(chip * cell value) / sqrt(sum(cell value^2)) for the whole mark of a candidate id.
  For a frame that does not carry it the chips are independent of the picture, so Hoeffding's inequality
  gives P(z >= t) <= exp(-t^2/2) whatever the picture is; a union bound over the alignments searched and
  the candidate ids (2^64 when decoding blind and the CRC checks, or the ids in this install's ledger)
  bounds the false-positive probability. A mark is reported only when that bound is < 1e-6.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from sora_studio.core.provenance import ecc
from sora_studio.core.provenance.mark_key import install_key

GRID_LONG, GRID_SHORT = 128, 72
CELL_PX = 4  # analysis pixels per cell: the detector works on a 512x288 (or 288x512) luma image
LAYERS = ("generation", "export")  # independent chip sets, so a clip's mark and its export's mark coexist
SYNC_SHARE = 0.2  # share of the mark's power spent on the sync chips
ID_BITS = 64
INFO_BITS = ID_BITS + ecc.CRC_BITS
CODED_BITS = ecc.coded_length(INFO_BITS)
DEFAULT_STRENGTH = 2.35  # RMS luma change in 8-bit levels (texture-weighted; PSNR ~40.6 dB)
MAX_FALSE_POSITIVE = 1e-6
SCALES = tuple(round(1.0 + 0.015 * i, 3) for i in range(9))  # up to ~11% crop per axis
SHIFT_MARGIN = CELL_PX  # canonical pixels of extra shift tolerated around each crop position
# detector whitening, measured on 1080p->480p CRF 28 (z 9.3 -> 15.9 against the first guess 1.5/3/3)
BANDPASS_CELLS = 0.5  # remove picture content coarser than this (Gaussian sigma, in cells)
CONTRAST_CELLS = 1.0  # divide by local contrast measured over this radius
CLIP = 2.5  # then clip, so that edges cannot dominate the correlation
# ...and once more on the frame average: content that stays put (a slow pan) does not average out and keeps
# its texture's local energy; dividing by it weights each area by how clean it is (1080p->480p CRF 28:
# min z 17.1 -> 24.8, median 24.5 -> 30.9 on the same 6 clips, 2026-11-23)
EQUALISE_CELLS = 1.0
LIST_SIZE = 256  # code words the list decoder tries (see _decide); a 480p clip's id was 244th


@dataclass(frozen=True)
class Layout:
    """The keyed chip layout for one orientation."""

    sync: np.ndarray  # [gh, gw] +-1
    data: np.ndarray  # [gh, gw] +-1
    bit_of_cell: np.ndarray  # [gh, gw] index into the coded bits

    @property
    def grid(self) -> tuple[int, int]:
        return self.sync.shape[1], self.sync.shape[0]


@lru_cache(maxsize=8)
def layout_for(key: bytes, landscape: bool, layer: str = "generation") -> Layout:
    if layer not in LAYERS:
        raise ValueError(f"unknown trace-mark layer {layer!r}")
    gw, gh = (GRID_LONG, GRID_SHORT) if landscape else (GRID_SHORT, GRID_LONG)
    material = b"sora-studio trace mark v1|" + layer.encode() + b"|" + key + bytes([landscape])
    seed = int.from_bytes(hashlib.sha256(material).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    sync = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(gh, gw))
    data = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(gh, gw))
    order = rng.permutation(gw * gh)
    bit_of_cell = np.empty(gw * gh, dtype=np.int64)
    bit_of_cell[order] = np.arange(gw * gh) % CODED_BITS
    return Layout(sync, data, bit_of_cell.reshape(gh, gw))


def _is_landscape(width: int, height: int) -> bool:
    return width >= height


def _coded_signs(mark_id: int) -> np.ndarray:
    if not 0 <= mark_id < 1 << ID_BITS:
        raise ValueError(f"trace-mark id must fit in {ID_BITS} bits: {mark_id}")
    bits = ecc.int_to_bits(mark_id, ID_BITS)
    coded = ecc.conv_encode(np.concatenate([bits, ecc.crc16(bits)]))
    return 1.0 - 2.0 * coded.astype(np.float32)


def cell_pattern(mark_id: int, key: bytes, landscape: bool, layer: str = "generation") -> np.ndarray:
    """Per-cell mark values (unit power): sync chips plus data chips modulated by the coded bits."""
    lay = layout_for(key, landscape, layer)
    signs = _coded_signs(mark_id)[lay.bit_of_cell]
    return (math.sqrt(SYNC_SHARE) * lay.sync + math.sqrt(1 - SYNC_SHARE) * lay.data * signs).astype(np.float32)


def _smooth_upsample(cells: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(cells, (width, height), interpolation=cv2.INTER_CUBIC)


def _luma(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame.astype(np.float32)
    f = frame.astype(np.float32)
    return 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]


class TraceMarkEmbedder:
    """Adds one id's mark to frames of any size; the pattern is rendered once per frame size."""

    def __init__(self, mark_id: int, key: bytes | None = None, strength: float = DEFAULT_STRENGTH,
                 layer: str = "generation") -> None:
        self.mark_id = int(mark_id)
        self.key = key if key is not None else install_key()
        self.strength = float(strength)
        self.layer = layer
        self._cells = {ls: cell_pattern(self.mark_id, self.key, ls, layer) for ls in (True, False)}
        self._cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def prepare(self, width: int, height: int) -> None:
        """Render the pattern for this frame size now (it is otherwise made on the first frame)."""
        self._pattern(width, height)

    def _pattern(self, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        if (width, height) not in self._cache:
            pattern = _smooth_upsample(self._cells[_is_landscape(width, height)], width, height)
            pattern *= self.strength / float(np.sqrt(np.mean(pattern**2)))
            # a fixed dither in [0, 1) makes the rounded mark unbiased where it is below one level; the +256
            # keeps values positive so that truncation is a floor
            dither = np.random.default_rng(width * 7919 + height).random((height, width), dtype=np.float32) + 256.0
            self._cache[(width, height)] = (pattern, dither)
            while len(self._cache) > 4:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[(width, height)]

    def mark(self, frame: np.ndarray) -> np.ndarray:
        """Return a marked copy of one uint8 RGB frame [H, W, 3] (~6 ms at 1080p)."""
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"trace mark needs uint8 RGB frames [H,W,3], got {frame.dtype} {frame.shape}")
        height, width = frame.shape[:2]
        pattern, dither = self._pattern(width, height)
        gain = cv2.resize(texture_gain(frame), (width, height), interpolation=cv2.INTER_LINEAR)
        delta = cv2.add(cv2.multiply(gain, pattern), dither).astype(np.int16)
        delta -= 256
        return cv2.add(frame, cv2.merge([delta, delta, delta]), dtype=cv2.CV_8U)


def texture_gain(frame: np.ndarray) -> np.ndarray:
    """Low-resolution gain map (mean square 1): louder mark on texture, quieter on flat areas."""
    step = max(1, min(frame.shape[0], frame.shape[1]) // 128)
    y = _luma(np.ascontiguousarray(frame[step // 2 :: step, step // 2 :: step]))
    mean = cv2.GaussianBlur(y, (0, 0), 2.0)
    var = cv2.GaussianBlur(y * y, (0, 0), 2.0) - mean * mean
    std = np.sqrt(np.maximum(var, 0.0))
    gain = np.clip((std + 2.0) / (float(np.median(std)) + 2.0), 0.35, 2.0)
    # fade out near black and white, where the change would clip or show
    gain *= np.clip(np.minimum(mean, 255.0 - mean) / 24.0, 0.2, 1.0)
    return (gain / float(np.sqrt(np.mean(gain * gain)))).astype(np.float32)


def embed(frames: Iterable[np.ndarray], mark_id: int, key: bytes | None = None,
          strength: float = DEFAULT_STRENGTH, layer: str = "generation") -> list[np.ndarray]:
    """Mark every frame with `mark_id` (convenience over TraceMarkEmbedder)."""
    embedder = TraceMarkEmbedder(mark_id, key, strength, layer)
    return [embedder.mark(np.asarray(f)) for f in frames]


@dataclass
class Detection:
    """What the detector found. `mark_id` is None unless the mark is certain (p < 1e-6 and CRC ok)."""

    mark_id: int | None
    confidence: float  # 1 - false_positive_probability, 0 when nothing was found
    false_positive_probability: float  # bound from the sync statistic, corrected for the search
    z_score: float
    crc_ok: bool
    frames: int
    alignment: dict = field(default_factory=dict)
    candidate_id: int | None = None  # the decoded payload even when it did not pass

    @property
    def found(self) -> bool:
        return self.mark_id is not None

    def to_dict(self) -> dict:
        return {
            "id": None if self.mark_id is None else f"{self.mark_id:016x}",
            "found": self.found,
            "layer": self.alignment.get("layer"),
            "method": self.alignment.get("method"),
            "confidence": self.confidence,
            "false_positive_probability": self.false_positive_probability,
            "z_score": self.z_score,
            "crc_ok": self.crc_ok,
            "frames_analysed": self.frames,
            "alignment": self.alignment,
        }


def _equalise(average: np.ndarray) -> np.ndarray:
    """Divide the frame-averaged residual by its local RMS (see EQUALISE_CELLS). A function of the picture
    alone, never of the chips, so the detector's false-positive bound is unchanged."""
    local = np.sqrt(cv2.GaussianBlur(average * average, (0, 0), EQUALISE_CELLS * CELL_PX))
    return average / (local + 1e-3 * float(np.mean(local)) + 1e-12)


def _whiten(y: np.ndarray) -> np.ndarray:
    """Band-pass (remove what is coarser than the mark) then divide by local contrast and clip."""
    residual = y - cv2.GaussianBlur(y, (0, 0), BANDPASS_CELLS * CELL_PX)
    local = np.sqrt(cv2.GaussianBlur(residual * residual, (0, 0), CONTRAST_CELLS * CELL_PX)) + 0.5
    return np.clip(residual / local, -CLIP, CLIP)


class TraceMarkDetector:
    """Accumulate frames (RGB or luma, any size), then `result()` searches alignment and decodes."""

    def __init__(self, key: bytes | None = None, known_ids: np.ndarray | list[int] | None = None) -> None:
        self.key = key if key is not None else install_key()
        self.known_ids = None if known_ids is None else np.asarray(known_ids, dtype=np.uint64)
        self._sum: np.ndarray | None = None
        self._landscape = True
        self.frames = 0

    def add(self, frame: np.ndarray) -> None:
        height, width = frame.shape[:2]
        landscape = _is_landscape(width, height)
        gw, gh = (GRID_LONG, GRID_SHORT) if landscape else (GRID_SHORT, GRID_LONG)
        size = (gw * CELL_PX, gh * CELL_PX)
        small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        white = _whiten(_luma(small))
        if self._sum is None or self._sum.shape != white.shape:
            self._sum, self._landscape, self.frames = np.zeros_like(white), landscape, 0
        self._sum += white
        self.frames += 1

    def _residual(self) -> np.ndarray:
        assert self._sum is not None
        return _equalise(self._sum / self.frames)

    def result(self, layer: str | None = None) -> Detection:
        """Decide for one layer, or (None) for both layers with the false-positive bound doubled."""
        if self._sum is None or self.frames == 0:
            return Detection(None, 0.0, 1.0, 0.0, False, 0)
        residual = self._residual()
        if layer is not None:
            return _decide(residual, self.key, self._landscape, self.frames, layer, 1, self.known_ids)
        found = [_decide(residual, self.key, self._landscape, self.frames, name, len(LAYERS), self.known_ids)
                 for name in LAYERS]
        return max(found, key=lambda d: (d.found, d.z_score))

    def result_for_key(self, key: bytes, layer: str = "generation") -> Detection:
        """The decision on the same frames under another key: samples the null distribution cheaply."""
        if self._sum is None or self.frames == 0:
            return Detection(None, 0.0, 1.0, 0.0, False, 0)
        return _decide(self._residual(), key, self._landscape, self.frames, layer, 1)

    def results(self) -> dict[str, Detection]:
        """Each layer's decision (a generated clip inside an export carries both marks); each bound counts
        both layers' searches, so 'any layer found' keeps the overall false-positive bound."""
        if self._sum is None or self.frames == 0:
            return {name: Detection(None, 0.0, 1.0, 0.0, False, 0) for name in LAYERS}
        residual = self._residual()
        return {name: _decide(residual, self.key, self._landscape, self.frames, name, len(LAYERS), self.known_ids)
                for name in LAYERS}


def detect(frames: Iterable[np.ndarray], key: bytes | None = None, layer: str | None = None,
           known_ids: np.ndarray | list[int] | None = None) -> Detection:
    detector = TraceMarkDetector(key, known_ids)
    for frame in frames:
        detector.add(np.asarray(frame))
    return detector.result(layer)


@lru_cache(maxsize=64)
def _sync_template(key: bytes, landscape: bool, layer: str, width: int, height: int) -> np.ndarray:
    lay = layout_for(key, landscape, layer)
    pattern = _smooth_upsample(lay.sync, width, height)
    return (pattern - cv2.GaussianBlur(pattern, (0, 0), BANDPASS_CELLS * CELL_PX)).astype(np.float32)


def _cell_values(residual: np.ndarray, sx: float, sy: float, ox: float, oy: float, grid: tuple[int, int]) -> np.ndarray:
    """Map the observed residual back to the original frame's cells for one alignment hypothesis."""
    height, width = residual.shape
    warp = np.array([[sx, 0.0, -ox], [0.0, sy, -oy]], dtype=np.float64)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    back = cv2.warpAffine(residual, warp, (width, height), flags=flags, borderValue=0)
    cover = cv2.warpAffine(np.ones_like(residual), warp, (width, height), flags=flags, borderValue=0)
    values = cv2.resize(back, grid, interpolation=cv2.INTER_AREA)
    coverage = cv2.resize(cover, grid, interpolation=cv2.INTER_AREA)
    return np.where(coverage > 0.6, values / np.maximum(coverage, 1e-6), 0.0)


def _z(values: np.ndarray, chips: np.ndarray) -> float:
    norm = float(np.sqrt(np.sum(values * values)))
    return float(np.sum(values * chips)) / norm if norm > 0 else 0.0


def _decide(residual: np.ndarray, key: bytes, landscape: bool, frames: int, layer: str, layers_searched: int,
            known_ids: np.ndarray | None = None) -> Detection:
    """Search the alignment with the sync chips, then decide on the whole mark:
    - blind: Viterbi-decode the payload; report it when its CRC checks and the whole-mark z beats the union
      bound over all alignments searched x 2^64 possible ids;
    - ledger: else score every id this install issued (`known_ids`) with the same bound over that many ids.
    Each rule gets half of MAX_FALSE_POSITIVE, so the overall bound stays below it."""
    lay = layout_for(key, landscape, layer)
    height, width = residual.shape
    hypotheses = 0
    best = (-np.inf, 1.0, 1.0, 0.0, 0.0)
    for sx in SCALES:
        for sy in SCALES:
            tw, th = round(width * sx), round(height * sy)
            template = _sync_template(key, landscape, layer, tw, th)
            padded = cv2.copyMakeBorder(template, SHIFT_MARGIN, SHIFT_MARGIN, SHIFT_MARGIN, SHIFT_MARGIN,
                                        cv2.BORDER_CONSTANT, value=0)
            surface = cv2.matchTemplate(padded, residual.astype(np.float32), cv2.TM_CCORR)
            hypotheses += surface.size
            _, _, _, (bx, by) = cv2.minMaxLoc(surface)
            ox, oy = bx - SHIFT_MARGIN, by - SHIFT_MARGIN
            z = _z(_cell_values(residual, sx, sy, ox, oy, lay.grid), lay.sync)
            if z > best[0]:
                best = (z, sx, sy, ox, oy)
    sync_z, sx, sy, ox, oy = _polish(residual, lay, best)
    values = _cell_values(residual, sx, sy, ox, oy, lay.grid)
    norm = float(np.sqrt(np.sum(values * values))) or 1.0
    sync_sum = float(np.sum(values * lay.sync))
    soft = np.bincount(lay.bit_of_cell.ravel(), weights=(values * lay.data).ravel(), minlength=CODED_BITS)

    def full_z(signs: np.ndarray) -> np.ndarray:
        """z of the whole mark (sync + data) for candidate code words; the chips are still independent
        +-1 (unit total power), so the exp(-z^2/2) tail bound holds for each candidate."""
        return (math.sqrt(SYNC_SHARE) * sync_sum + math.sqrt(1 - SYNC_SHARE) * (signs @ soft)) / norm

    searched = hypotheses * layers_searched
    # CRC-aided list decoding: the most likely code words in order, the first whose CRC checks wins. Free as far
    # as the bound goes: it already pays for all 2^64 ids, however the candidate was picked.
    paths = ecc.list_viterbi_decode(soft, LIST_SIZE)
    info = next((path for path in paths if np.array_equal(ecc.crc16(path[:ID_BITS]), path[ID_BITS:])), paths[0])
    id_bits, crc_bits = info[:ID_BITS], info[ID_BITS:]
    crc_ok = bool(np.array_equal(ecc.crc16(id_bits), crc_bits))
    candidate = ecc.bits_to_int(id_bits)
    z = float(full_z(_coded_signs(candidate)))
    p_false = _tail(z, searched * 2.0**ID_BITS)  # blind: any of the 2^64 code words could have been decoded
    method, mark_id = "decoded", candidate
    if not (crc_ok and p_false < MAX_FALSE_POSITIVE / 2) and known_ids is not None and len(known_ids):
        scores = full_z(coded_sign_matrix(known_ids))
        best_known = int(np.argmax(scores))
        z_known = float(scores[best_known])
        p_known = _tail(z_known, searched * len(known_ids))  # only this studio's issued ids are candidates
        if p_known < MAX_FALSE_POSITIVE / 2:
            z, p_false, method, mark_id = z_known, p_known, "ledger", int(known_ids[best_known])
    found = p_false < MAX_FALSE_POSITIVE / 2 and (crc_ok or method == "ledger")
    alignment = {"layer": layer, "method": method if found else None, "sync_z": round(sync_z, 3), "scale_x": sx,
                 "scale_y": sy, "offset_x": ox / width, "offset_y": oy / height, "hypotheses": hypotheses}
    return Detection(mark_id if found else None, (1.0 - p_false) if found else 0.0, p_false, z, crc_ok,
                     frames, alignment, candidate)


def _tail(z: float, candidates: float) -> float:
    """Union bound over `candidates` of the sub-Gaussian tail: for fixed cell values and independent +-1
    chips, P(z >= t) <= exp(-t^2 / 2) exactly (Hoeffding), whatever the picture."""
    if not np.isfinite(z) or z <= 0:
        return 1.0
    return float(min(1.0, math.exp(-0.5 * z * z) * candidates))


@lru_cache(maxsize=1)
def _affine_code() -> tuple[np.ndarray, np.ndarray]:
    """id -> coded bits is affine over GF(2) (CRC with a non-zero init, linear convolutional code):
    coded(x) = base XOR (x . G). Lets the detector score thousands of known ids in one product."""
    def coded(bits: np.ndarray) -> np.ndarray:
        return ecc.conv_encode(np.concatenate([bits, ecc.crc16(bits)])).astype(np.int64)
    base = coded(np.zeros(ID_BITS, dtype=np.uint8))
    rows = [coded(np.eye(ID_BITS, dtype=np.uint8)[i]) ^ base for i in range(ID_BITS)]
    return np.array(rows, dtype=np.int64), base


def coded_sign_matrix(ids: np.ndarray) -> np.ndarray:
    """+-1 coded signs [N, CODED_BITS] for many ids at once (same as _coded_signs per id)."""
    generator, base = _affine_code()
    ids = np.asarray(ids, dtype=np.uint64)
    shifts = np.arange(ID_BITS - 1, -1, -1, dtype=np.uint64)
    bits = ((ids[:, None] >> shifts) & np.uint64(1)).astype(np.int64)
    coded = ((bits @ generator) + base) & 1
    return (1.0 - 2.0 * coded).astype(np.float64)


def _polish(residual: np.ndarray, lay: Layout, best: tuple[float, float, float, float, float]
            ) -> tuple[float, float, float, float, float]:
    """Sub-pixel / sub-step refinement of the best alignment (coordinate ascent on z).

    Not counted as extra hypotheses: the integer-pixel search already over-samples cell-sized alignments
    CELL_PX^2-fold, and these refinements stay within one of its steps.
    """
    z, sx, sy, ox, oy = best
    for step_px, step_scale in ((0.5, 0.005), (0.25, 0.0025), (0.125, 0.0)):
        moves = [(0, 0, dx * step_px, dy * step_px) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        if step_scale:
            moves += [(dsx * step_scale, dsy * step_scale, 0, 0) for dsx in (-1, 0, 1) for dsy in (-1, 0, 1)]
        for dsx, dsy, dx, dy in moves:
            cand = (sx + dsx, sy + dsy, ox + dx, oy + dy)
            zc = _z(_cell_values(residual, *cand, lay.grid), lay.sync)
            if zc > z:
                z, (sx, sy, ox, oy) = zc, cand
    return z, sx, sy, ox, oy
