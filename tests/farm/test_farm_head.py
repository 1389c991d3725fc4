"""`farm start` / `farm stop`: a real Ray head started in the background on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import socket

from sora_studio import cli
from sora_studio.farm import cluster


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_farm_start_binds_loopback_only_and_stop_ends_it(capsys, listening):
    port = free_port()
    assert cli.main(["farm", "start", "--json", "--port", str(port), "--num-cpus", "1"]) == 0
    state = json.loads(capsys.readouterr().out)
    try:
        assert state["address"] == f"127.0.0.1:{port}"
        assert cluster.saved_address() == state["address"]
        addresses = listening(state["pid"])
        assert addresses and addresses <= {"127.0.0.1", "::ffff:127.0.0.1"}, addresses
        assert cli.main(["farm", "start", "--port", str(port)]) == 2  # one head per machine
    finally:
        assert cli.main(["farm", "stop", "--json"]) == 0
    stopped = json.loads(capsys.readouterr().out)
    assert not cluster.state_path().exists()
    try:
        os.kill(state["pid"], 0)
        alive = True
    except OSError:
        alive = False
    assert not alive, "farm stop must end the head process"
    assert stopped["stopped"]["pid"] == state["pid"]
