"""`sora-studio cameo ...`: enroll, list, grant, revoke, delete, usage, challenge, and `cameo profile ...`.

Exit codes: 0 ok, 2 bad input (unreadable media, no face, bad arguments), 3 refused (failed liveness or
phrase check, not permitted, bad signature).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sora_studio.cli import emit, json_parent
from sora_studio.errors import BadInput, Refused

MODES = ("only-me", "approved", "mutuals", "everyone")


def register(sub: argparse._SubParsersAction) -> None:
    parent = json_parent()
    cameo = sub.add_parser("cameo", help="enroll people, pets and objects with consent; manage who may use them")
    csub = cameo.add_subparsers(dest="cameo_command", metavar="ACTION", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = csub.add_parser(name, parents=[parent], help=help_text)
        p.set_defaults(func=func)
        return p

    p = add("enroll", _enroll, "analyse a recorded clip (or a camera) and enroll a cameo")
    p.add_argument("--name", required=True, help="cameo name (a-z, 0-9, - _ .)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--video", type=Path, help="recorded enrollment clip")
    source.add_argument("--camera", type=int, help="live capture from this camera index")
    p.add_argument("--audio", type=Path, help="separate recording of the phrase (default: the video's sound)")
    p.add_argument("--challenges", help="head turns shown, in order, e.g. left,up,right (see `cameo challenge`)")
    p.add_argument("--phrase", help="the phrase spoken in the clip (from `cameo challenge`)")
    p.add_argument("--kind", choices=("person", "pet", "object"), default="person")
    p.add_argument("--attest", action="store_true", help="pets/objects: I own it or may enroll it")
    p.add_argument("--no-blink", action="store_true", help="do not require a blink (documented weaker check)")
    p.add_argument("--profile", help="owner profile (default: the active one)")

    p = add("challenge", _challenge, "draw a random head-turn order and phrase to record")
    p.add_argument("--turns", type=int, default=3, help="how many head turns (1-4)")

    p = add("list", _list, "list cameos")
    p.add_argument("--all", action="store_true", help="include deleted cameos (tombstones)")

    p = add("grant", _grant, "let others use a cameo")
    p.add_argument("name")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--to", metavar="PROFILE", help="approve this profile (mode becomes 'approved' if it was only-me)")
    who.add_argument("--mode", choices=MODES, help="who may use it")
    p.add_argument("--profile", help="acting profile (default: the active one)")

    for name, func, text in (("revoke", _revoke, "block every new render with a cameo, queued jobs included"),
                             ("delete", _delete, "purge a cameo's media (its consent record stays as a tombstone)"),
                             ("usage", _usage, "show who used a cameo, in which job/clip, when")):
        p = add(name, func, text)
        p.add_argument("name")
        p.add_argument("--profile", help="acting profile (default: the active one)")
        if name == "delete":
            p.add_argument("--clips", action="store_true", help="also delete every recorded clip made with it")
            p.add_argument("--project", action="append", default=[], metavar="BUNDLE",
                           help="with --clips: also withdraw its clips from this project (their takes become "
                                "'DELETED: cameo withdrawn' holes; the project is saved); repeatable")

    prof = csub.add_parser("profile", help="profiles on this machine and imported profile cards")
    psub = prof.add_subparsers(dest="profile_command", metavar="ACTION", required=True)

    def padd(name: str, func, help_text: str) -> argparse.ArgumentParser:
        q = psub.add_parser(name, parents=[parent], help=help_text)
        q.set_defaults(func=func)
        return q

    q = padd("create", _profile_create, "create a local profile with its own key pair")
    q.add_argument("name")
    q.add_argument("--kind", choices=("adult", "minor"), default="adult")
    padd("list", _profile_list, "list profiles (local and imported)")
    q = padd("use", _profile_use, "make a local profile the active one")
    q.add_argument("name")
    q = padd("export-card", _profile_export, "write a signed profile card to share")
    q.add_argument("output", type=Path)
    q.add_argument("--profile", help="which local profile (default: the active one)")
    q = padd("import-card", _profile_import, "import someone's signed profile card")
    q.add_argument("card", type=Path)
    for name, func in (("approve", _profile_approve), ("unapprove", _profile_unapprove)):
        q = padd(name, func, f"{name} a profile for the cameos of the acting profile")
        q.add_argument("other")
        q.add_argument("--profile", help="acting profile (default: the active one)")


def _store():
    from sora_studio.core.cameo.store import CameoStore

    return CameoStore()


def _acting(store, ref: str | None):
    if ref:
        return store.profiles.require(ref, local_only=True)
    active = store.profiles.active()
    if active is None:
        raise BadInput("no profile yet: create one with `sora-studio cameo profile create NAME`")
    return active


def _progress(fraction: float, message: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{message}: {fraction:4.0%}", end="" if fraction < 1 else "\n", file=sys.stderr)


def _enroll(args: argparse.Namespace) -> int:
    from sora_studio.core.cameo import enroll
    from sora_studio.core.cameo.liveness import LivenessSettings

    challenges = enroll.parse_challenges(args.challenges) if args.challenges else None
    if args.kind == "person" and challenges is None:
        raise BadInput("say which head turns the clip shows: --challenges left,up,right (draw them with `cameo challenge`)")
    if args.kind != "person" and not args.attest:
        raise BadInput(f"confirm that you own or may enroll this {args.kind} with --attest")
    settings = LivenessSettings(require_blink=not args.no_blink)
    with _store() as store:
        owner = _acting(store, args.profile)
        if store.find(args.name) is not None:
            raise BadInput(f"a cameo named {args.name!r} already exists")
        if args.video is not None:
            result = enroll.analyse_recording(args.video, audio=args.audio, kind=args.kind, challenges=challenges,
                                              phrase=args.phrase, settings=settings, progress=_progress)
        else:
            result = enroll.analyse_live(args.camera, kind=args.kind, challenges=challenges, phrase=args.phrase,
                                         settings=settings, progress=_progress)
        if not result.passed:
            data = {"enrolled": False, **result.summary()}
            emit(args, data, "enrollment failed:\n  - " + "\n  - ".join(result.reasons))
            error = BadInput if result.input_problem else Refused
            raise error("; ".join(result.reasons))
        cameo = enroll.register(store, owner, args.name, result, attest=args.attest)
        data = {"enrolled": True, "cameo": cameo.to_dict(), **result.summary()}
        emit(args, data, f"enrolled cameo {cameo.name!r} ({cameo.kind}, {result.capture}) for {owner.name}; "
                         f"only you can use it until you `cameo grant` it ({result.seconds:.1f} s analysis)")
    return 0


def _challenge(args: argparse.Namespace) -> int:
    from sora_studio.core.cameo.enroll import random_challenges
    from sora_studio.core.cameo.phrase import PhraseGrammar

    if not 1 <= args.turns <= 4:
        raise BadInput("--turns must be 1-4")
    data = {"challenges": random_challenges(args.turns), "phrase": PhraseGrammar.load().random_phrase()}
    emit(args, data, f"turn your head: {', '.join(data['challenges'])} (back to the camera after each), blink, "
                     f"then say: \"{data['phrase']}\"\n--challenges {','.join(data['challenges'])} --phrase \"{data['phrase']}\"")
    return 0


def _list(args: argparse.Namespace) -> int:
    with _store() as store:
        cameos = store.list(include_deleted=args.all)
        names = {p.id: p.name for p in store.profiles.list()}
        rows = [dict(c.to_dict(), owner_name=names.get(c.owner)) for c in cameos]
    lines = [f"{r['name']:<20} {r['kind']:<7} owner={r['owner_name']} mode={r['mode']}"
             f"{' REVOKED' if r['revoked'] and not r['deleted_at'] else ''}{' DELETED' if r['deleted_at'] else ''}"
             for r in rows]
    emit(args, {"cameos": rows}, "\n".join(lines) or "no cameos yet")
    return 0


def _grant(args: argparse.Namespace) -> int:
    from sora_studio.core.cameo import permissions

    with _store() as store:
        me = _acting(store, args.profile)
        if args.to:
            cameo = permissions.grant_to(store, args.name, me.id, args.to)
        else:
            cameo = permissions.set_mode(store, args.name, me.id, args.mode)
        approved = sorted(store.profiles.approved_by(me.id))
    emit(args, {"cameo": cameo.to_dict(), "approved": approved}, f"{cameo.name}: mode {cameo.mode}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from sora_studio.core.cameo import permissions

    with _store() as store:
        cameo = permissions.revoke(store, args.name, _acting(store, args.profile).id)
    emit(args, {"cameo": cameo.to_dict()}, f"{cameo.name}: revoked (new and queued renders are refused)")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from sora_studio.core.cameo import permissions

    if args.project and not args.clips:
        raise BadInput("--project withdraws the cameo's clips from a project: add --clips")
    with _store() as store:
        me = _acting(store, args.profile)
        holes: dict[str, int] = {}
        if args.clips:
            cameo = store.require(args.name)
            logged = permissions.clips_using(store, args.name, me.id)  # also checks that `me` owns it
            for bundle in args.project:
                holes[bundle] = _withdraw_from_project(Path(bundle), cameo.id, logged)
        clips = [str(p) for p in permissions.delete_clips_using(store, args.name, me.id)] if args.clips else []
        removed = permissions.delete(store, args.name, me.id)
    emit(args, {"deleted": args.name, "media_removed": removed, "clips_removed": clips, "project_holes": holes},
         f"deleted {args.name}: {len(removed)} media files purged, {len(clips)} clips removed"
         + "".join(f"; {n} clip(s) withdrawn from {b}" for b, n in holes.items()) + "; consent record kept")
    return 0


def _withdraw_from_project(bundle: Path, cameo_id: str, logged: list[Path]) -> int:
    """Withdraw a cameo's clips from a project bundle and save it; returns how many clips became holes."""
    from sora_studio.core.cameo.purge_clips import purge_project_clips
    from sora_studio.core.project.bundle import Project

    project = Project.open(bundle)
    try:
        report = purge_project_clips(project, [cameo_id], logged)
        project.save()
    finally:
        project.close()
    return len(report.clips_emptied)


def _usage(args: argparse.Namespace) -> int:
    from sora_studio.core.cameo import permissions

    with _store() as store:
        log = permissions.usage(store, args.name, _acting(store, args.profile).id)
    lines = [f"{e['at']} {e['action']:<10} by {e['requester_name'] or e['requester']} job={e['job_id']} clip={e['clip']}"
             for e in log]
    emit(args, {"usage": log}, "\n".join(lines) or "not used yet")
    return 0


def _profile_create(args: argparse.Namespace) -> int:
    with _store() as store:
        profile = store.profiles.create(args.name, args.kind)
        active = store.profiles.active()
    emit(args, {"profile": profile.to_dict(), "active": active.id if active else None},
         f"created profile {profile.name} ({profile.kind}) id {profile.id}")
    return 0


def _profile_list(args: argparse.Namespace) -> int:
    with _store() as store:
        profiles = store.profiles.list()
        active = store.profiles.active()
    rows = [dict(p.to_dict(), active=bool(active and p.id == active.id)) for p in profiles]
    emit(args, {"profiles": rows}, "\n".join(f"{'*' if r['active'] else ' '} {r['name']:<20} {r['kind']:<6} "
                                             f"{r['origin']:<5} {r['id']}" for r in rows) or "no profiles yet")
    return 0


def _profile_use(args: argparse.Namespace) -> int:
    with _store() as store:
        profile = store.profiles.require(args.name, local_only=True)
        store.profiles.set_active(profile.id)
    emit(args, {"active": profile.id}, f"active profile: {profile.name}")
    return 0


def _profile_export(args: argparse.Namespace) -> int:
    with _store() as store:
        card = store.profiles.export_card(_acting(store, args.profile).id, args.output)
    emit(args, {"card": str(args.output), "name": card["name"]}, f"wrote profile card {args.output}")
    return 0


def _profile_import(args: argparse.Namespace) -> int:
    with _store() as store:
        profile = store.profiles.import_card(args.card)
    emit(args, {"profile": profile.to_dict()}, f"imported profile {profile.name} ({profile.id})")
    return 0


def _profile_approve(args: argparse.Namespace) -> int:
    return _approval(args, approve=True)


def _profile_unapprove(args: argparse.Namespace) -> int:
    return _approval(args, approve=False)


def _approval(args: argparse.Namespace, approve: bool) -> int:
    with _store() as store:
        me = _acting(store, args.profile)
        other = store.profiles.require(args.other)
        (store.profiles.approve if approve else store.profiles.unapprove)(me.id, other.id)
        mutual = store.profiles.are_mutuals(me.id, other.id)
    emit(args, {"profile": me.id, "other": other.id, "approved": approve, "mutuals": mutual},
         f"{me.name} {'approves' if approve else 'no longer approves'} {other.name}{' (mutuals)' if mutual else ''}")
    return 0
