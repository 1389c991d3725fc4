"""One local Ray cluster on loopback per test module, with the tiny Wan installed in a farm-wide studio home."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest




@pytest.fixture(scope="module")
def farm_home(tmp_path_factory, tiny_models):
    """A studio home shared by the test process and every worker actor, with wan-tiny registered."""
    home = tmp_path_factory.mktemp("farm-home")
    previous = os.environ.get("SORA_STUDIO_HOME")
    os.environ["SORA_STUDIO_HOME"] = str(home)
    try:
        tiny_models.install("wan")
    finally:
        if previous is None:
            os.environ.pop("SORA_STUDIO_HOME", None)
        else:
            os.environ["SORA_STUDIO_HOME"] = previous
    return home


@pytest.fixture(scope="module")
def ray_cluster():
    """A real single-node Ray cluster bound to 127.0.0.1.

    5 logical CPUs: 2 for the shared farm workers, 1 for the CLI's worker, 2 for the benchmark's workers."""
    from sora_studio.farm.cluster import connect_local, disconnect

    connection = connect_local(num_cpus=5)
    yield connection
    disconnect(connection)


@pytest.fixture(scope="module")
def farm(ray_cluster, farm_home):
    """A FarmClient with two worker actors (two worker processes)."""
    from sora_studio.farm.client import FarmClient

    client = FarmClient(workers=2, env=worker_env(farm_home), cancel_grace_s=20.0)
    client.worker_info()  # wait until both workers have started
    yield client
    client.close()


def worker_env(home: Path) -> dict[str, str]:
    return {"SORA_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def listening_addresses(root_pid: int) -> set[str]:
    """IP addresses on which `root_pid` or any of its descendants listens (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    pids, todo = set(), [root_pid]
    while todo:
        pid = todo.pop()
        if pid not in pids:
            pids.add(pid)
            todo.extend(children.get(pid, []))
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    addresses = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] != "0A" or parts[9] not in inodes:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(parts[1].split(":")[0])
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))  # /proc prints host-order words
            addresses.add(socket.inet_ntop(family, raw))
    return addresses


@pytest.fixture
def listening():
    """The listening_addresses(pid) helper (conftest modules are not importable under importlib mode)."""
    return listening_addresses
