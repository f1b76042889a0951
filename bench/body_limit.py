"""`make bench`: what an anonymous 200 MB JSON body costs the server, with the request-body limit
(app.middleware.BodyLimit, MAX_JSON_BYTES) and without it (the limit raised out of the way), for one
body and for three at once.

Starts the app under uvicorn as `make run` does, a fresh process per case, and reads the growth of
its peak resident memory (VmHWM in /proc) while the bodies are sent to POST /api/auth/login.
"""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BODY_BYTES = 200 * 1000 * 1000
CHUNK = b"a" * (1024 * 1024)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def _send_body(port: int) -> str:
    """POST a BODY_BYTES JSON body as an anonymous client; the status the server answered."""
    head, tail = b'{"username": "x", "password": "', b'"}'
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(
            b"POST /api/auth/login HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {BODY_BYTES}\r\nConnection: close\r\n\r\n".encode()
            + head
        )
        left = BODY_BYTES - len(head) - len(tail)
        try:
            while left > 0:
                left -= s.send(CHUNK[: min(left, len(CHUNK))])
            s.sendall(tail)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before the end: what a limit should do
        try:
            return s.recv(64).split(b" ", 2)[1].decode()
        except (ConnectionResetError, IndexError):
            return "reset"


def _case(concurrency: int, limit_on: bool) -> tuple[list[str], float, float]:
    port = _free_port()
    env = {**os.environ, "COVERAGE_WORKER": "false"}
    if not limit_on:
        env["MAX_JSON_BYTES"] = str(10 * BODY_BYTES)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)  # imports done, the first connection served
        before = _peak_rss_mb(server.pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            statuses = list(pool.map(_send_body, [port] * concurrency))
        seconds = time.perf_counter() - started
        return statuses, seconds, _peak_rss_mb(server.pid) - before
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    print(f"anonymous {BODY_BYTES / 1e6:.0f} MB JSON bodies to POST /api/auth/login")
    print(
        f"{'request-body limit':<32} {'bodies':>6} {'answers':<18} {'seconds':>8} {'peak RSS growth MB':>19}"
    )
    for limit_on in (True, False):
        for concurrency in (1, 3):
            statuses, seconds, growth = _case(concurrency, limit_on)
            label = "MAX_JSON_BYTES (1 MiB)" if limit_on else "none (limit raised to 2 GB)"
            print(f"{label:<32} {concurrency:>6} {','.join(statuses):<18} {seconds:>8.1f} {growth:>19.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
