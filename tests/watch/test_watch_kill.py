"""Kill the watcher mid-batch (a real ``python -m core watch`` process, SIGKILL) and restart it:
nothing lost, nothing doubled.

The file: ``N`` generated Master.csv lines, each its own answered call (uniqueid ``…{i}``, customer
``100{i:08d}``: fictitious, the 100 prefix is not allocated). 10 lines are imported first
(``--once``: 10 calls); then the other ``N - 10`` are appended and a long-running watcher started. It
is killed once its import has staged rows (DuckDB's staging folder ``callcenter-import-*`` exists in
its TMPDIR) and before it committed: the database still holds 10 calls. A restart (``--once``)
reads the batch again from the stored position: exactly ``N`` calls, one more import logged. Then 5
more lines: ``N + 5``. (The first and the last poll run in this process: the same watcher, one
process start less each.)
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.infra import db
from core.watch import Watcher, parse
from tests.ingest import samples
from tests.watch.conftest import count, imports

N = 55_010  # two fold partitions (~50,000 legs each): the first is staged while the second folds


def _line(i: int) -> str:
    return samples.asterisk_line(
        samples._out(
            f"1714957200.{i:06d}",
            "8001",
            f"100{i:08d}",
            "2024-05-06 09:00:00",
            "2024-05-06 09:00:10",
            "2024-05-06 09:01:10",
            70,
            60,
            "ANSWERED",
        )
    )


def _watch(url: str, master: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "watch",
            "--db",
            url,
            "--source",
            f"file:{master}?format=asterisk-csv",
            "--rejects",
            str(master.parent / "rejects"),
            *extra,
        ],
        cwd=db.PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _poll_in_process(url: str, master: Path) -> str:
    """One poll of the same watcher in this process (``--once``); its log."""
    out = io.StringIO()
    watcher = Watcher(
        url, [parse(f"file:{master}?format=asterisk-csv")], rejects_dir=master.parent / "rejects", out=out
    )
    try:
        assert watcher.poll() == 0
    finally:
        watcher.close()
    return out.getvalue()


def test_kill_mid_batch_and_restart_loses_and_doubles_nothing(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(db.PROJECT_ROOT)}
    master.write_text("".join(_line(i) + "\n" for i in range(10)))
    _poll_in_process(url, master)  # the first 10 lines (fewer processes: a process starts in ~2 s)
    assert count(url) == 10

    with master.open("a") as fh:
        fh.write("".join(_line(i) + "\n" for i in range(10, N)))
    victim = _watch(url, master, env, "--every", "0.2")
    deadline = time.monotonic() + 120
    try:
        while not any(p.name.startswith("callcenter-import-") for p in scratch.iterdir()):
            assert victim.poll() is None, victim.communicate()
            assert time.monotonic() < deadline, "the batch never started"
            time.sleep(0.005)
        victim.send_signal(signal.SIGKILL)
    finally:
        victim.kill()
        victim.wait()
    assert victim.returncode == -signal.SIGKILL
    assert count(url) == 10  # killed before its commit: nothing of the batch is in
    assert imports(url) == 1

    again = _watch(url, master, env, "--once")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert count(url) == N and imports(url) == 2
    assert f"read {N - 10}, inserted {N - 10}, merged 0, duplicates 0, rejected 0" in out

    with master.open("a") as fh:
        fh.write("".join(_line(i) + "\n" for i in range(N, N + 5)))
    assert "read 5, inserted 5" in _poll_in_process(url, master)
    assert count(url) == N + 5 and imports(url) == 3
