"""Mirror a farm render's provenance record into this machine's ledger.

The worker embeds the invisible trace mark and records the generation in *its* node's ledger (runner.
write_output). `sora-studio verify` on the artist's machine looks in the local ledger, so the client adds the
same record here: the worker's mark id and recipe, plus fingerprints of the file as delivered.
"""

from __future__ import annotations

from pathlib import Path


def record_farm_generation(media: str | Path, recipe: dict, worker: dict) -> bool:
    """Add the generation record for `media` unless its trace-mark id is already known; True when added."""
    mark = recipe.get("trace_mark_id")
    if not mark:
        return False
    from sora_studio.core.provenance.fingerprint import file_fingerprints
    from sora_studio.core.provenance.ledger import Ledger, sha256_file
    from sora_studio.core.provenance.recipes import ledger_recipe

    with Ledger() as ledger:
        if ledger.by_mark(mark) is not None:
            return False
        farm_worker = f"{worker.get('host')}:{worker.get('pid')}"
        data = ledger_recipe(recipe) | {"trace_mark_id": mark, "farm_worker": farm_worker}
        ledger.add("generation", data, mark_id=mark, path=media, sha256=sha256_file(media),
                   fingerprints=file_fingerprints(media))
    return True
