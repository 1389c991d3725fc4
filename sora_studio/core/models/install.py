"""Installing models: hub download (`pull`), local folders (`import`), tiny builds, licence acceptance."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from sora_studio.core.appdirs import data_dir
from sora_studio.core.models.manifest import Manifest, get_manifest, load_manifests
from sora_studio.core.models.registry import InstalledModel, ModelRegistry, now_iso
from sora_studio.core.models.verify import ALLOW_PATTERNS, IGNORE_PATTERNS, verify_model_folder
from sora_studio.errors import BadInput, Refused, StudioError


def _pipeline_classes(manifest: Manifest) -> tuple[str, ...]:
    return tuple(c for c in (manifest.pipeline, manifest.image_pipeline) if c)


def licence_text(manifest: Manifest) -> str:
    """What the user must read before a restricted licence is accepted."""
    lic = manifest.licence
    lines = [f"{manifest.name} is licensed under {lic.name}" + (f" ({lic.url})" if lic.url else "") + "."]
    lines += [f"  - {flag}" for flag in lic.flags]
    if lic.notes:
        lines.append(f"  {lic.notes}")
    return "\n".join(lines)


def needs_acceptance(manifest: Manifest) -> bool:
    lic = manifest.licence
    return lic.requires_acceptance or not lic.commercial_use or bool(lic.territories_excluded) or lic.requires_watermark


def check_disk_space(target: Path, manifest: Manifest) -> None:
    """Refuse a download that cannot fit (manifest size + 10%)."""
    target.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target).free
    needed = int(manifest.size_gb * 1.1 * 1024**3)
    if free < needed:
        raise StudioError(
            f"not enough disk space for {manifest.id}: about {manifest.size_gb:.0f} GB needed, "
            f"{free / 1024**3:.1f} GB free in {target}; free some space or set HF_HOME to a bigger disk"
        )


def pull(
    model_id: str,
    accept_licence: bool = False,
    cache_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    downloader: Callable[..., str] | None = None,
) -> InstalledModel:
    """Download a model's safetensors/config/tokenizer files from the hub, verify them and register them.

    Resumes partial downloads (huggingface_hub keeps .incomplete files). Pickled weights are never fetched.
    `downloader` defaults to huggingface_hub.snapshot_download (a parameter so the flow is testable offline).
    """
    manifest = get_manifest(model_id)
    if manifest.tiny:
        raise BadInput(f"{model_id} is a built-in tiny model; build it with `sora-studio models make-tiny DIR`")
    if needs_acceptance(manifest) and not accept_licence:
        raise Refused(licence_text(manifest) + "\nRead the licence, then run again with --accept-licence.")
    if downloader is None:
        from huggingface_hub import snapshot_download as downloader  # type: ignore[no-redef]
    from huggingface_hub import constants

    target_root = Path(cache_dir) if cache_dir else Path(constants.HF_HUB_CACHE)
    check_disk_space(target_root, manifest)
    say = progress or (lambda _msg: None)
    say(f"downloading {manifest.repo}@{manifest.revision} (safetensors only) into {target_root}")
    try:
        folder = downloader(
            repo_id=manifest.repo,
            revision=manifest.revision,
            allow_patterns=ALLOW_PATTERNS,
            ignore_patterns=IGNORE_PATTERNS,
            cache_dir=str(target_root),
        )
    except Exception as exc:  # network, auth (gated repos), missing revision ...
        raise StudioError(
            f"download of {manifest.repo} failed: {exc}. Check the network, `huggingface-cli login` for gated "
            "models, then run the same command again (it resumes)."
        ) from exc
    say("verifying files")
    info = verify_model_folder(folder, _pipeline_classes(manifest))
    entry = InstalledModel(
        id=manifest.id, path=str(folder), source="pull", revision=_resolved_revision(Path(folder), manifest),
        size_bytes=info["size_bytes"],
        licence_accepted={"licence": manifest.licence.name, "at": now_iso()} if accept_licence else None,
    )
    ModelRegistry().put(entry)
    return entry


def _resolved_revision(folder: Path, manifest: Manifest) -> str:
    # hub snapshots live in .../snapshots/<commit sha>/: record the sha that was actually fetched
    if folder.parent.name == "snapshots":
        return folder.name
    return manifest.revision


def import_folder(model_id: str, path: str | Path, accept_licence: bool = False) -> InstalledModel:
    """Register a local diffusers folder (already downloaded elsewhere) under a manifest id."""
    manifest = get_manifest(model_id)
    if needs_acceptance(manifest) and not accept_licence:
        raise Refused(licence_text(manifest) + "\nRead the licence, then run again with --accept-licence.")
    folder = Path(path).expanduser().resolve()
    info = verify_model_folder(folder, _pipeline_classes(manifest))
    entry = InstalledModel(
        id=manifest.id, path=str(folder), source="tiny" if manifest.tiny else "import",
        revision=manifest.revision, size_bytes=info["size_bytes"],
        licence_accepted={"licence": manifest.licence.name, "at": now_iso()} if accept_licence else None,
    )
    ModelRegistry().put(entry)
    return entry


def tiny_home(family: str) -> Path:
    return data_dir() / "models" / "tiny" / family


def ensure_tiny(manifest: Manifest) -> InstalledModel:
    """Build a tiny model into data_dir() on first use and register it."""
    from sora_studio.core.models.tiny import build_tiny

    registry = ModelRegistry()
    entry = registry.get(manifest.id)
    if entry is not None:
        return entry
    folder = tiny_home(manifest.family)
    if folder.exists():
        shutil.rmtree(folder)  # a half-built folder from an interrupted build
    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    build_tiny(tmp, manifest.family)
    tmp.rename(folder)
    return import_folder(manifest.id, folder)


def resolve_installed(model_id: str) -> tuple[Manifest, InstalledModel]:
    """Manifest + install entry of a usable model; tiny models are built on demand."""
    manifest = get_manifest(model_id)
    entry = ModelRegistry().get(model_id)
    if entry is None:
        if manifest.tiny:
            entry = ensure_tiny(manifest)
        else:
            raise BadInput(
                f"model {model_id} is not installed; run `sora-studio models pull {model_id}` "
                f"or `sora-studio models import {model_id} FOLDER`"
            )
    return manifest, entry


def default_model_id(capability: str = "t2v") -> str:
    """The best installed real model with `capability`, else a tiny model that has it (tiny models make noise)."""
    registry = ModelRegistry()
    # models that need a last frame (FLF2V) are defaults only when a first+last frame model is asked for
    manifests = {k: m for k, m in load_manifests().items() if capability == "flf2v" or not m.last_frame_required}
    for manifest in manifests.values():
        if not manifest.tiny and capability in manifest.capabilities and registry.get(manifest.id):
            return manifest.id
    if capability == "t2v":
        return "wan-tiny"
    for manifest in manifests.values():
        if manifest.tiny and capability in manifest.capabilities:
            return manifest.id
    return "wan-tiny"


def list_models() -> list[dict]:
    """Every known model with install state, size on disk and licence flags (for `models list`)."""
    registry = ModelRegistry()
    rows = []
    for manifest in load_manifests().values():
        entry = registry.get(manifest.id)
        row = manifest.to_dict()
        row.update(
            installed=entry is not None,
            path=entry.path if entry else None,
            size_on_disk_bytes=entry.size_bytes if entry else 0,
            licence_accepted=entry.licence_accepted if entry else None,
            produces_noise=manifest.tiny,
        )
        rows.append(row)
    return rows
