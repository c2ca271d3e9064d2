"""Warm starts for the tooling tests: ``python warm.py kata|pytest ARGS…`` does what
``python -m kata|pytest ARGS…`` does, in a process forked from a server that has
imported TensorFlow, Keras, pytest and SciPy once, instead of a fresh interpreter
importing them again (most of a tooling test's time was those imports).

The command gets this client's standard streams (passed over a Unix socket), working
directory, environment and ``sys.path`` as ``python -m`` sets them; the client exits
as the command did. When the client dies (a test's timeout), the command's process
group is killed. Without ``KATA_WARM_SOCKET`` (no server), the client runs the
command cold. ``copies.run`` and ``copies.make`` use it; a script, not a module of
the ``tests`` package, so that neither the client nor the server imports the
repository's ``kata`` or ``tests`` before the command imports its own.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys

VAR = "KATA_WARM_SOCKET"
PRELOAD = ("tensorflow", "keras", "pytest", "scipy.stats", "rich", "numpy")


def client(argv: list[str]) -> None:
    path = os.environ.get(VAR)
    if not path:
        os.execv(sys.executable, [sys.executable, "-m", *argv])
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(path)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
    reply = b""
    while chunk := conn.recv(64):
        reply += chunk
    status = int(reply or b"1")
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    sys.exit(os.waitstatus_to_exitcode(status))


def serve(path: str) -> None:
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(64)
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in PRELOAD:
        __import__(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # handlers are reaped by the kernel
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready:  # the test process is gone
            return
        conn, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _handle(conn)
        conn.close()


def _handle(conn: socket.socket) -> None:
    """In a fork of the server: run one command in a fork of its own, report its status."""
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    request = json.loads(data)
    pid = os.fork()
    if pid == 0:
        conn.close()
        os.setpgid(0, 0)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        _run(request)
    while True:  # until the command ends, or the client does (then end the command)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            conn.sendall(str(status).encode())
            os._exit(0)
        if select.select([conn], [], [], 0.05)[0] and not conn.recv(1):
            os.killpg(pid, signal.SIGKILL)
            os._exit(0)


def _run(request: dict) -> None:
    import atexit
    import runpy
    import threading
    import traceback

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    extra = [p for p in request["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [os.getcwd(), *extra, *sys.path[1:]]
    sys.stdin = open(0, encoding="utf-8", closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    module, *args = request["argv"]
    sys.argv = [module, *args]
    code = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        traceback.print_exc()
        code = 128 + signal.SIGINT
    except BaseException:
        traceback.print_exc()
        code = 1
    threading._shutdown()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        client(sys.argv[1:])
