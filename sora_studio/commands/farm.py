"""`sora-studio farm start|stop|status|submit`: a Ray render farm (optional extra: pip install 'sora-studio[farm]')."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sora_studio.cli import emit, json_parent
from sora_studio.commands.generate import add_request_arguments, request_from_args
from sora_studio.engine.protocol import result_or_raise
from sora_studio.errors import BadInput, Cancelled


def register(sub: argparse._SubParsersAction) -> None:
    farm = sub.add_parser("farm", help="render on a Ray cluster (head + GPU worker nodes)")
    verbs = farm.add_subparsers(dest="farm_command", metavar="VERB", required=True)

    start = verbs.add_parser("start", parents=[json_parent()],
                             help="start a farm head on 127.0.0.1, or remember an existing farm's address")
    start.add_argument("--address", help="HOST:PORT of an existing head: check it answers and make it the default")
    start.add_argument("--port", type=int, default=6379, help="head port on 127.0.0.1 (default 6379)")
    start.add_argument("--num-cpus", type=int)
    start.add_argument("--num-gpus", type=int)
    start.set_defaults(func=_start)

    stop = verbs.add_parser("stop", parents=[json_parent()], help="stop the head that `farm start` started here")
    stop.set_defaults(func=_stop)

    status = verbs.add_parser("status", parents=[json_parent()], help="nodes, CPUs/GPUs and render workers")
    status.add_argument("--address", help="HOST:PORT of the head (default: RAY_ADDRESS or `farm start`'s)")
    status.set_defaults(func=_status)

    submit = verbs.add_parser("submit", parents=[json_parent()], help="render one clip on the farm (like generate)")
    submit.add_argument("--address", help="HOST:PORT of the head (default: RAY_ADDRESS or `farm start`'s)")
    submit.add_argument("--workers", type=int, help="worker actors to start (default: one per GPU, else per CPU)")
    submit.add_argument("--shared-storage", action="store_true",
                        help="workers write OUT directly (its folder is on storage every node mounts at the same path)")
    add_request_arguments(submit)
    submit.set_defaults(func=_submit)


def _start(args: argparse.Namespace) -> int:
    from sora_studio.core.fsutil import atomic_write_text
    from sora_studio.farm import cluster

    if args.address:
        connection = cluster.connect(args.address)
        try:
            info = cluster.cluster_status()
        finally:
            cluster.disconnect(connection)
        atomic_write_text(cluster.state_path(), json.dumps({"address": args.address}, indent=2))
        emit(args, info, f"connected to the farm at {args.address} ({len(info['nodes'])} nodes, "
                         f"{info['gpus']:g} GPUs); it is now the default for farm status/submit")
        return 0
    state = cluster.start_head(args.port, args.num_cpus, args.num_gpus)
    emit(args, state, f"farm head running on {state['address']} (loopback only; pid {state['pid']}, "
                      f"log {state['log']})\nworker nodes on other machines need a head bound to a LAN address: "
                      "see docs/farm.md")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from sora_studio.farm import cluster

    state = cluster.stop_head()
    human = f"stopped the farm head (pid {state['pid']})" if state else "no farm head was running"
    emit(args, {"stopped": state}, human)
    return 0


def _status(args: argparse.Namespace) -> int:
    from sora_studio.farm import cluster

    ray = cluster.import_ray()
    if not (args.address or os.environ.get("RAY_ADDRESS") or cluster.saved_address() or ray.is_initialized()):
        raise BadInput("no farm to talk to: run `sora-studio farm start` (or pass --address HOST:PORT)")
    connection = cluster.connect(args.address)
    try:
        info = cluster.cluster_status()
    finally:
        cluster.disconnect(connection)
    lines = [f"farm {info['address']}: {len(info['nodes'])} node(s), {info['cpus']:g} CPUs, {info['gpus']:g} GPUs "
             f"({info['free_cpus']:g} CPUs / {info['free_gpus']:g} GPUs free)"]
    for node in info["nodes"]:
        role = "head" if node["head"] else "worker"
        lines.append(f"  {node['address']:<16} {role:<6} {'alive' if node['alive'] else 'DEAD':<5} "
                     f"cpus={node['cpus']:g} gpus={node['gpus']:g}")
    lines.append(f"  render workers: {len(info['actors'])}")
    for actor in info["actors"]:
        where = f"pid {actor['pid']} on {actor['node_ip']} ({actor['device']})" if "pid" in actor else actor["state"]
        lines.append(f"    {actor['name']:<34} {where}")
    emit(args, info, "\n".join(lines))
    return 0


def _submit(args: argparse.Namespace) -> int:
    from sora_studio.farm.client import FarmClient

    request = request_from_args(args)
    farm = FarmClient(args.address, workers=args.workers, shared_storage=args.shared_storage)
    farm.progress.connect(
        lambda _job, step, steps, eta: print(f"step {step}/{steps}  eta {eta:5.1f}s", file=sys.stderr))
    farm.retried.connect(
        lambda _job, attempt, reason: print(f"retrying (attempt {attempt}): {reason}", file=sys.stderr))
    try:
        job_id = farm.submit(request, Path(args.output).resolve())
        try:
            final = farm.wait(job_id)
        except KeyboardInterrupt:
            farm.cancel(job_id)
            farm.wait(job_id, timeout=30)
            raise Cancelled("farm render cancelled") from None
    finally:
        farm.close()
    result = result_or_raise(final, "the farm")
    for notice in result.get("notices", []):
        print(f"notice: {notice}", file=sys.stderr)
    worker = result.get("farm", {}).get("worker", {})
    emit(args, result, f"wrote {result['media']} (recipe: {result['recipe_file']}) on farm worker "
                       f"{worker.get('host')}:{worker.get('pid')} ({worker.get('device')})")
    return 0
