"""Connecting to a Ray cluster, starting a loopback head, and describing the cluster.

Ray is an optional extra (`pip install -e '.[farm]'`); `import_ray()` turns its absence into a clear error.

Loopback: Ray advertises and binds its servers on the node IP. `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0` makes a
locally started node use 127.0.0.1 as that IP, so every Ray server of a head started here listens on loopback
only. `connect_local()` and `start_head()` set it and then verify the node really is on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sora_studio.core.appdirs import config_dir
from sora_studio.core.fsutil import atomic_write_text
from sora_studio.errors import BadInput, StudioError

LOOPBACK = "127.0.0.1"
NAMESPACE = "sora-studio"
WORKER_PREFIX = "sora-render-worker-"  # farm workers are named actors, so `farm status` can find them
_LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def import_ray():
    """The ray module, or a StudioError that says how to install the farm extra."""
    for key, value in _LOOPBACK_ENV.items():
        os.environ.setdefault(key, value)  # read by ray at import time
    try:
        import ray
    except ImportError:
        raise StudioError("the render farm needs Ray: pip install 'sora-studio[farm]' "
                          "(or pip install 'ray>=2.60')") from None
    from ray._private import ray_constants

    if os.environ.get("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER") == "0":
        ray_constants.ENABLE_RAY_CLUSTER = False  # ray was imported before us: apply the same setting
    return ray


@dataclass
class Connection:
    address: str  # the GCS address (host:port)
    started_here: bool  # True when this process started the (in-process) cluster and must shut it down


def state_path() -> Path:
    """Where `farm start` records the head it started (pid, address) and the default farm address."""
    return config_dir() / "farm.json"


def saved_address() -> str | None:
    try:
        return json.loads(state_path().read_text()).get("address")
    except (OSError, json.JSONDecodeError, AttributeError):
        return None


def connect(address: str | None = None, local_cpus: int | None = None) -> Connection:
    """Join `address` (host:port), else RAY_ADDRESS / the `farm start` address, else start an in-process
    loopback cluster. Reuses an existing connection of this process."""
    ray = import_ray()
    if ray.is_initialized():
        return Connection(ray.get_runtime_context().gcs_address, started_here=False)
    address = address or os.environ.get("RAY_ADDRESS") or saved_address()
    if not address:
        return connect_local(local_cpus)
    try:
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=False, logging_level="WARNING")
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise StudioError(f"cannot reach the farm at {address} ({exc}); is `sora-studio farm start` running "
                          "there, and are its ports open to this machine?") from exc
    return Connection(ray.get_runtime_context().gcs_address, started_here=True)


def connect_local(num_cpus: int | None = None, num_gpus: int | None = None) -> Connection:
    """Start a single-node cluster inside this process, bound to 127.0.0.1 only."""
    ray = import_ray()
    # address="local": always a new private cluster, never one that `ray start` left running on this machine
    ray.init(address="local", num_cpus=num_cpus, num_gpus=num_gpus, namespace=NAMESPACE, include_dashboard=False,
             log_to_driver=False, logging_level="WARNING", _node_ip_address=LOOPBACK)
    address = ray.get_runtime_context().gcs_address
    if not address.startswith(LOOPBACK + ":"):
        ray.shutdown()
        raise StudioError(f"Ray started on {address}, not on loopback; refusing to run an exposed local cluster")
    return Connection(address, started_here=True)


def disconnect(connection: Connection) -> None:
    ray = import_ray()
    if connection.started_here and ray.is_initialized():
        ray.shutdown()


def _ray_cli() -> list[str]:
    exe = Path(sys.executable).with_name("ray")
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-c", "import sys; from ray.scripts.scripts import main; sys.exit(main())"]


def start_head(port: int = 6379, num_cpus: int | None = None, num_gpus: int | None = None,
               timeout_s: float = 120.0) -> dict:
    """Start a Ray head on 127.0.0.1:`port` in the background (`ray start --head --block`) and record it."""
    import_ray()
    running = _recorded_head()
    if running:
        raise BadInput(f"a farm head is already running here (pid {running['pid']}, {running['address']}); "
                       "`sora-studio farm stop` stops it")
    cmd = _ray_cli() + ["start", "--head", "--block", f"--node-ip-address={LOOPBACK}", f"--port={port}",
                        "--include-dashboard=false", "--disable-usage-stats"]
    if num_cpus is not None:
        cmd.append(f"--num-cpus={num_cpus}")
    if num_gpus is not None:
        cmd.append(f"--num-gpus={num_gpus}")
    log = config_dir() / "farm-head.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **_LOOPBACK_ENV}
    # Ray drains a node for 30 s on SIGTERM; lost farm jobs are retried by the client, so stop promptly
    env.setdefault("RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S", "0")
    offset = log.stat().st_size if log.exists() else 0
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    address = f"{LOOPBACK}:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StudioError(f"`ray start` exited with code {proc.returncode}; see {log}")
        if _started(log, offset) and _gcs_answers(address):  # every daemon is up and `ray start` now blocks
            break
        time.sleep(0.5)
    else:
        _stop_group(proc.pid)
        raise StudioError(f"the farm head did not answer on {address} within {timeout_s:.0f}s; see {log}")
    state = {"pid": proc.pid, "address": address, "log": str(log), "started": time.time()}
    atomic_write_text(state_path(), json.dumps(state, indent=2))
    return state


def _started(log: Path, offset: int) -> bool:
    try:
        with open(log, "rb") as fh:
            fh.seek(offset)
            return b"block forever" in fh.read()
    except OSError:
        return False


def _gcs_answers(address: str) -> bool:
    import socket

    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


def _recorded_head() -> dict | None:
    try:
        state = json.loads(state_path().read_text())
    except (OSError, json.JSONDecodeError):
        return None
    pid = state.get("pid")
    return state if pid and _alive(int(pid)) else None


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie child of this process is reaped and counts as gone)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child (the usual case: `farm start` ran in another process)
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop_head(timeout_s: float = 30.0) -> dict | None:
    """Stop the head that `farm start` recorded (only that one; other Ray clusters are left alone)."""
    state = _recorded_head()
    if state is None:
        state_path().unlink(missing_ok=True)
        return None
    _stop_group(int(state["pid"]), timeout_s)
    state_path().unlink(missing_ok=True)
    _forget_in_ray_temp(state["address"])
    return state


def _forget_in_ray_temp(address: str) -> None:
    """`ray start` records its address for ray.init(); we stopped it by signal, so remove that record too."""
    import tempfile

    record = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"
    try:
        if record.read_text().strip() == address:
            record.unlink()
    except OSError:
        pass


def _stop_group(pid: int, timeout_s: float = 30.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)  # `ray start --block` stops the processes it started
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.5)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    for _ in range(50):  # reap it (when it is our child) so that it is really gone on return
        if not _alive(pid):
            return
        time.sleep(0.1)


def cluster_status() -> dict:
    """Nodes (address, alive, CPUs, GPUs), totals and the farm's render workers (needs a connection)."""
    ray = import_ray()
    nodes = []
    for node in ray.nodes():
        resources = node.get("Resources", {})
        nodes.append({"address": node.get("NodeManagerAddress"), "alive": bool(node.get("Alive")),
                      "cpus": resources.get("CPU", 0.0), "gpus": resources.get("GPU", 0.0),
                      "head": "node:__internal_head__" in resources})
    actors = []
    names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
             if a["name"].startswith(WORKER_PREFIX)]
    for name in sorted(names):
        try:
            handle = ray.get_actor(name, namespace=NAMESPACE)
            actors.append({"name": name, "state": "alive", **ray.get(handle.info.remote(), timeout=10)})
        except Exception as exc:  # restarting, dead, or too busy to answer within the timeout
            actors.append({"name": name, "state": f"unreachable ({type(exc).__name__})"})
    total = ray.cluster_resources()
    free = ray.available_resources()
    return {"address": ray.get_runtime_context().gcs_address, "nodes": nodes,
            "cpus": total.get("CPU", 0.0), "gpus": total.get("GPU", 0.0),
            "free_cpus": free.get("CPU", 0.0), "free_gpus": free.get("GPU", 0.0), "actors": actors}
