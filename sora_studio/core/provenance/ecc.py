"""Error correction for the trace mark: CRC-16 to check a payload, a K=7 rate-1/2 convolutional code
with soft-decision Viterbi decoding to correct it (and a list Viterbi whose candidates the CRC judges).

Why this code: the trace mark's coded bits arrive as noisy correlation sums (soft values), and soft Viterbi
gains ~5 dB over deciding each bit alone; the CRC turns "some 64-bit id" into "an id that checks", which is
half of the detector's 'no false positives' guarantee (the other half is the sync statistic).
"""

from __future__ import annotations

import numpy as np

_K = 7  # constraint length
_POLYS = (0o171, 0o133)  # the classic NASA/Voyager pair
_N_STATES = 1 << (_K - 1)
CRC_BITS = 16


def crc16(bits: np.ndarray) -> np.ndarray:
    """CRC-16/CCITT (poly 0x1021, init 0xFFFF) of a bit array (MSB first); returns 16 bits."""
    reg = 0xFFFF
    for bit in np.asarray(bits, dtype=np.uint8):
        top = ((reg >> 15) & 1) ^ int(bit)
        reg = (reg << 1) & 0xFFFF
        if top:
            reg ^= 0x1021
    return np.array([(reg >> (15 - i)) & 1 for i in range(16)], dtype=np.uint8)


def int_to_bits(value: int, n: int) -> np.ndarray:
    return np.array([(value >> (n - 1 - i)) & 1 for i in range(n)], dtype=np.uint8)


def bits_to_int(bits: np.ndarray) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value


def _parity(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    out = np.zeros_like(x)
    while np.any(x):
        out ^= x & 1
        x >>= 1
    return out


def _trellis() -> tuple[np.ndarray, np.ndarray]:
    """For each next state and each of its two predecessors: the predecessor and the two output bits."""
    nxt = np.arange(_N_STATES)
    prev = np.stack([((nxt & (_N_STATES // 2 - 1)) << 1) | x for x in (0, 1)], axis=1)  # [64, 2]
    inbit = (nxt >> (_K - 2))[:, None]  # the input bit that leads into `nxt`
    register = (inbit << (_K - 1)) | prev  # 7-bit register: newest bit on top
    outs = np.stack([_parity(register & p) for p in _POLYS], axis=-1)  # [64, 2, 2]
    return prev, outs


_PREV, _OUTS = _trellis()


def conv_encode(bits: np.ndarray) -> np.ndarray:
    """Encode bits (plus K-1 zero tail bits that close the trellis): 2*(n+6) coded bits."""
    bits = np.concatenate([np.asarray(bits, dtype=np.int64), np.zeros(_K - 1, dtype=np.int64)])
    state = 0
    out = np.empty(2 * len(bits), dtype=np.uint8)
    for i, b in enumerate(bits):
        register = (int(b) << (_K - 1)) | state
        for j, poly in enumerate(_POLYS):
            out[2 * i + j] = bin(register & poly).count("1") & 1
        state = register >> 1
    return out


def coded_length(n_info_bits: int) -> int:
    return 2 * (n_info_bits + _K - 1)


def viterbi_decode(soft: np.ndarray) -> np.ndarray:
    """Soft-decision Viterbi: `soft` > 0 means coded bit 0 is likelier, < 0 bit 1 (any scale).

    Returns the information bits (tail removed). Vectorised over the 64 states.
    """
    soft = np.asarray(soft, dtype=np.float64).reshape(-1, 2)
    n_steps = soft.shape[0]
    signs = 1.0 - 2.0 * _OUTS  # expected +-1 per (state, predecessor, output)
    metric = np.full(_N_STATES, -np.inf)
    metric[0] = 0.0
    decisions = np.empty((n_steps, _N_STATES), dtype=np.uint8)
    for t in range(n_steps):
        branch = signs[..., 0] * soft[t, 0] + signs[..., 1] * soft[t, 1]  # [64, 2]
        candidates = metric[_PREV] + branch
        choice = np.argmax(candidates, axis=1)
        decisions[t] = choice
        metric = candidates[np.arange(_N_STATES), choice]
    state = 0  # the tail drives the encoder back to state 0
    bits = np.empty(n_steps, dtype=np.uint8)
    for t in range(n_steps - 1, -1, -1):
        bits[t] = state >> (_K - 2)
        state = _PREV[state, decisions[t, state]]
    return bits[: n_steps - (_K - 1)]


def list_viterbi_decode(soft: np.ndarray, list_size: int = 64) -> list[np.ndarray]:
    """Parallel list Viterbi: the `list_size` most likely information sequences, best first.

    With the CRC as the judge (take the first one that checks), this recovers payloads that plain Viterbi
    gets wrong by a few bits - worth ~1 dB on the trace mark's weakest clips. Vectorised over states.
    """
    soft = np.asarray(soft, dtype=np.float64).reshape(-1, 2)
    n_steps, width = soft.shape[0], list_size
    signs = 1.0 - 2.0 * _OUTS
    metric = np.full((_N_STATES, width), -np.inf)
    metric[0, 0] = 0.0
    from_branch = np.empty((n_steps, _N_STATES, width), dtype=np.uint8)
    from_rank = np.empty((n_steps, _N_STATES, width), dtype=np.int32)
    for t in range(n_steps):
        branch = signs[..., 0] * soft[t, 0] + signs[..., 1] * soft[t, 1]  # [64, 2]
        candidates = (metric[_PREV] + branch[..., None]).reshape(_N_STATES, 2 * width)  # [64, 2 * width]
        keep = np.argsort(-candidates, axis=1, kind="stable")[:, :width]
        metric = np.take_along_axis(candidates, keep, axis=1)
        from_branch[t], from_rank[t] = keep // width, keep % width
    alive = np.flatnonzero(np.isfinite(metric[0]))
    states = np.zeros(len(alive), dtype=np.int64)
    ranks = alive.astype(np.int64)
    bits = np.empty((len(alive), n_steps), dtype=np.uint8)
    for t in range(n_steps - 1, -1, -1):
        bits[:, t] = states >> (_K - 2)
        branch_taken = from_branch[t, states, ranks]
        ranks = from_rank[t, states, ranks].astype(np.int64)
        states = _PREV[states, branch_taken]
    return [row[: n_steps - (_K - 1)] for row in bits]
