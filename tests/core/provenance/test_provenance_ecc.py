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
