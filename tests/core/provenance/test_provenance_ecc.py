"""The trace mark's error correction: CRC catches corruption, soft Viterbi corrects noisy code words."""

import numpy as np

from sora_studio.core.provenance import ecc


def test_bits_round_trip_and_crc_detects_a_flip():
    bits = ecc.int_to_bits(0xDEADBEEF01234567, 64)
    assert ecc.bits_to_int(bits) == 0xDEADBEEF01234567
    crc = ecc.crc16(bits)
    flipped = bits.copy()
    flipped[17] ^= 1
    assert not np.array_equal(ecc.crc16(flipped), crc)


def test_viterbi_decodes_clean_and_noisy_code_words():
    rng = np.random.default_rng(7)
    info = rng.integers(0, 2, 80).astype(np.uint8)
    coded = ecc.conv_encode(info)
    assert len(coded) == ecc.coded_length(80) == 172
    clean = 1.0 - 2.0 * coded
    assert np.array_equal(ecc.viterbi_decode(clean), info)
    # amplitude 1.6 in unit Gaussian noise: ~16% of the coded bits arrive with the wrong sign
    decoded_ok, wrong_signs = 0, 0
    for _ in range(20):
        noisy = 1.6 * clean + rng.standard_normal(len(clean))
        wrong_signs += int(np.sum(np.sign(noisy) != clean))
        decoded_ok += np.array_equal(ecc.viterbi_decode(noisy), info)
    assert wrong_signs > 0.04 * 20 * len(clean)  # hard decisions alone would fail almost every time
    assert decoded_ok >= 19


def test_pure_noise_rarely_passes_the_crc():
    rng = np.random.default_rng(1)
    passes = 0
    for _ in range(200):
        bits = ecc.viterbi_decode(rng.standard_normal(172))
        passes += np.array_equal(ecc.crc16(bits[:64]), bits[64:])
    assert passes <= 1


def test_list_decoding_with_the_crc_recovers_words_plain_viterbi_gets_wrong():
    rng = np.random.default_rng(11)
    viterbi_ok = list_ok = wrong_accepted = 0
    for _ in range(60):
        payload = rng.integers(0, 2, 64).astype(np.uint8)
        info = np.concatenate([payload, ecc.crc16(payload)])
        noisy = 1.0 * (1.0 - 2.0 * ecc.conv_encode(info)) + rng.standard_normal(172)  # ~1 dB below the above
        paths = ecc.list_viterbi_decode(noisy, 64)
        assert np.array_equal(paths[0], ecc.viterbi_decode(noisy))  # the list starts with the Viterbi path
        assert len({p.tobytes() for p in paths}) == len(paths) == 64  # distinct code words
        viterbi_ok += np.array_equal(paths[0], info)
        pick = next((p for p in paths if np.array_equal(ecc.crc16(p[:64]), p[64:])), None)
        list_ok += pick is not None and np.array_equal(pick, info)
        wrong_accepted += pick is not None and not np.array_equal(pick, info)
    assert list_ok >= viterbi_ok + 10  # measured with this seed: 27 -> 46 of 60
    assert wrong_accepted <= 2  # the CRC rarely passes a wrong word (the z bound is the real guard)
