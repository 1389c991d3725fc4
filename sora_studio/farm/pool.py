"""WorkerPool: the farm's RenderWorker actors and which of them is free, busy or coming back from a crash.

One actor per GPU when the cluster has GPUs (num_gpus=1 each, so Ray pins one device per actor), otherwise one
per CPU. Actors restart forever (max_restarts=-1) but never retry a call themselves (max_task_retries=0): the
client decides where a lost job runs next, so it can go to a different worker or node.
"""

from __future__ import annotations

import threading
import uuid

from sora_studio.errors import StudioError

IDLE, BUSY, RECOVERING = "idle", "busy", "recovering"


class WorkerPool:
    def __init__(self, ray, workers: int | None = None, env: dict[str, str] | None = None) -> None:
        from sora_studio.farm.worker import RenderWorker

        self._ray = ray
        total = ray.cluster_resources()
        self.gpus = int(total.get("GPU", 0))
        count = workers or (self.gpus if self.gpus else max(1, int(total.get("CPU", 1))))
        if count < 1:
            raise StudioError("the farm needs at least one worker")
        options = {"num_cpus": 1, "num_gpus": 1 if self.gpus else 0, "max_restarts": -1, "max_task_retries": 0,
                   "max_concurrency": 4, "scheduling_strategy": "SPREAD"}
        actor_class = ray.remote(RenderWorker)
        self._env = dict(env or {})
        self._lock = threading.Lock()
        from sora_studio.farm.cluster import WORKER_PREFIX

        tag = uuid.uuid4().hex[:8]
        self._handles = [actor_class.options(**options, name=f"{WORKER_PREFIX}{tag}-{i}").remote(self._env)
                         for i in range(count)]
        self._state = [RECOVERING] * count
        self._pings: dict[int, object] = {i: h.info.remote() for i, h in enumerate(self._handles)}
        self.known: dict[int, dict] = {}  # index -> last info() answer (pid, node, device)
        self.restarts = 0

    def __len__(self) -> int:
        return len(self._handles)

    def handle(self, index: int):
        return self._handles[index]

    def acquire(self, avoid: set[int] = frozenset()) -> int | None:
        """A free worker (preferring ones not in `avoid`), marked busy; None when none is free."""
        with self._lock:
            idle = [i for i, s in enumerate(self._state) if s == IDLE]
            preferred = [i for i in idle if i not in avoid]
            others_alive = any(s != RECOVERING and i not in avoid for i, s in enumerate(self._state))
            choice = preferred[0] if preferred else (idle[0] if idle and not others_alive else None)
            if choice is not None:
                self._state[choice] = BUSY
            return choice

    def release(self, index: int) -> None:
        with self._lock:
            self._state[index] = IDLE

    def mark_lost(self, index: int) -> None:
        """The actor died: Ray restarts it; it is usable again once it answers `info`."""
        with self._lock:
            self._state[index] = RECOVERING
            self.restarts += 1
            self._pings[index] = self._handles[index].info.remote()

    def kill(self, index: int | None) -> None:
        """End a worker's process (cancel escalation); Ray restarts it."""
        if index is not None:
            self._ray.kill(self._handles[index], no_restart=False)

    def check_recovering(self) -> None:
        """Move workers whose startup/restart ping answered back to idle."""
        with self._lock:
            pings = dict(self._pings)
        if not pings:
            return
        ready, _ = self._ray.wait(list(pings.values()), num_returns=len(pings), timeout=0)
        ready = set(ready)
        for index, ref in pings.items():
            if ref not in ready:
                continue
            try:
                self.known[index] = self._ray.get(ref)
                state = IDLE
            except self._ray.exceptions.RayActorError:  # died again while restarting: ping again
                state = RECOVERING
            with self._lock:
                if state == IDLE:
                    self._pings.pop(index, None)
                    self._state[index] = IDLE
                else:
                    self._pings[index] = self._handles[index].info.remote()

    def info(self, timeout: float = 300.0) -> list[dict]:
        """Each worker's info() (pid, node, device); blocks until all have started."""
        return self._ray.get([h.info.remote() for h in self._handles], timeout=timeout)

    def close(self) -> None:
        for handle in self._handles:
            try:
                self._ray.kill(handle, no_restart=True)
            except Exception:  # already gone with its cluster
                pass
