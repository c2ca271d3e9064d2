"""``kata notebook`` (``make notebook``): the exercises as notebooks in JupyterLab.

The kernel and JupyterLab's settings are installed in the venv, not in your home; the
server listens on 127.0.0.1 only, with a fresh token. Needs the extra ``[notebook]``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from kata import ROOT
from kata.core.i18n import N_, _

KERNEL = "tf-params-kata"
KERNEL_TITLE = "tf-params-kata (.venv)"
NEEDED = ("jupyterlab", "jupytext", "ipykernel", "matplotlib")
# JupyterLab's settings for every user of this venv: a percent-format .py opens as a
# notebook (jupytext) whose kernel starts without asking; no news or update checks.
OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}},
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
# localhost only, no browser, no extension lookups on PyPI; jupytext writes the notebook
# back as the same percent-format .py, no header and of the cells' metadata only their
# tags (`# %% tags=["scratch"]`: not graded)
OPTIONS = """--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port_retries=0
--LabApp.extension_manager=readonly --ContentsManager.notebook_metadata_filter=-all
--ContentsManager.cell_metadata_filter=tags,-all""".split()

LAUNCHED = N_(
    "Run a task's code cell, then its check cell. Only the code cells are graded, in order; "
    'a cell tagged "scratch" is not (see README, Working in Jupyter). Ctrl-C stops JupyterLab.'
)


def free_port(start: int = 8888) -> int:
    """The first port from ``start`` that 127.0.0.1 can listen on."""
    for port in range(start, start + 100):
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return port
    raise OSError(f"no free port on 127.0.0.1 in {start}–{start + 99}")


def register_kernel(prefix: str = sys.prefix) -> None:
    """Install the kernel spec of this Python and JupyterLab's settings into ``prefix``."""
    from ipykernel.kernelspec import install

    install(prefix=prefix, kernel_name=KERNEL, display_name=KERNEL_TITLE)
    settings = Path(prefix) / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(OVERRIDES, indent=2) + "\n")


def lab_command(root: Path, port: int, token: str) -> list[str]:
    """The ``jupyter lab`` command line on ``root``, with the kata's kernel."""
    return [
        *(sys.executable, "-m", "jupyterlab", *OPTIONS, f"--ServerApp.port={port}"),
        *(f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}"),
        f"--MappingKernelManager.default_kernel_name={KERNEL}",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # e.g. in a container
    ]


def add_parser(sub) -> None:
    p = sub.add_parser(
        "notebook",
        help="[learner] the exercises as notebooks in JupyterLab",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("--port", type=int, help="port (default: first free from 8888)")
    p.add_argument("--open", default="ex01_access_params.py", help="file of exercises/ to open")
    p.set_defaults(run=run)


def run(args) -> int:
    lacking = [m for m in NEEDED if importlib.util.find_spec(m) is None]
    if lacking:
        said = _(
            "error: the notebook extra is not installed ({missing} missing); run `make "
            "notebook`, or: {command}"
        )
        command = '.venv/bin/pip install -c constraints.txt -e ".[notebook]"'
        print(said.format(missing=", ".join(lacking), command=command), file=sys.stderr)
        return 2
    root = ROOT / "exercises"
    register_kernel()
    port, token = args.port or free_port(), secrets.token_hex(24)
    said = _("JupyterLab on {root} (kernel: {kernel}); open this URL in your browser:")
    print(said.format(root=root, kernel=KERNEL_TITLE) + "\n")
    print(f"    http://127.0.0.1:{port}/lab/tree/{args.open}?token={token}\n")
    print(_(LAUNCHED), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        return subprocess.call(lab_command(root, port, token), cwd=root)
    return 0
