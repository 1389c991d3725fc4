"""The SQLite ledger: lookups by mark, hash and look; corruption is detected, backed up and rebuilt."""

import sqlite3

import numpy as np

from sora_studio.bench.trace_mark import footage
from sora_studio.core.appdirs import data_dir
from sora_studio.core.provenance.fingerprint import file_fingerprints, frames_fingerprints
from sora_studio.core.provenance.ledger import Ledger, sha256_file


def test_records_are_found_by_mark_hash_and_fingerprint(small_clip):
    with Ledger() as ledger:
        assert ledger.path.parent == data_dir() / "provenance"
        mark = ledger.new_mark_id()
        gen = ledger.add("generation", {"prompt": "a red fox", "seed": 7}, mark_id=mark,
                         fingerprints=file_fingerprints(small_clip))
        exp = ledger.add("export", {"preset": "1080p"}, path=small_clip, sha256=sha256_file(small_clip),
                         parents=[gen.id], signed=True)
    with Ledger() as again:  # persisted, typed back
        assert again.by_mark(mark).recipe == {"prompt": "a red fox", "seed": 7}
        assert again.by_mark(f"{mark:016X}").id == gen.id
        assert again.by_sha256(sha256_file(small_clip)).parents == [gen.id]
        assert again.get(exp.id).signed is True
        assert again.by_mark(mark ^ 1) is None
        record, score = again.by_fingerprints(file_fingerprints(small_clip))
        assert record.id == gen.id and score == 1.0
        other = list(footage(320, 180, 48, 24, seed=1))  # a different picture
        assert again.by_fingerprints(frames_fingerprints(other, 24)) is None


def test_fingerprints_survive_resizing_and_noise():
    frames = np.stack(list(footage(320, 180, 48, 24, seed=0)))
    original = frames_fingerprints(frames, 24)
    assert len(original) == 4  # one every half second
    import cv2
    smaller = [cv2.resize(f, (160, 90)) for f in frames]
    noisy = [np.clip(f + np.random.default_rng(0).normal(0, 4, f.shape), 0, 255).astype(np.uint8) for f in smaller]
    from sora_studio.core.provenance.fingerprint import match_score
    assert match_score(frames_fingerprints(noisy, 24), original) == 1.0


def test_corrupt_ledger_is_backed_up_and_rebuilt_from_the_journal():
    with Ledger() as ledger:
        first = ledger.add("generation", {"seed": 1}, mark_id=0xABC)
        ledger.add("export", {"seed": 2}, mark_id=0xDEF)
        path, journal = ledger.path, ledger.journal
    with open(journal, "a", encoding="utf-8") as fh:
        fh.write('{"id": "torn-by-a-crash", "kind"')  # a half-written last line
    path.write_bytes(b"this is not an sqlite database" * 100)
    with Ledger() as recovered:
        assert recovered.recovered_from is not None and recovered.recovered_from.exists()
        assert recovered.recovered_from.read_bytes().startswith(b"this is not")
        assert recovered.by_mark(0xABC).id == first.id
        assert len(recovered.all()) == 2
        recovered.add("export", {"seed": 3})
    with Ledger() as fine:
        assert fine.recovered_from is None and len(fine.all()) == 3


def test_wrong_schema_is_treated_as_corrupt():
    path = data_dir() / "provenance" / "ledger.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE records (id TEXT, something TEXT)")
    db.commit()
    db.close()
    with Ledger() as ledger:
        assert ledger.recovered_from is not None
        assert ledger.add("generation", {}).kind == "generation"
