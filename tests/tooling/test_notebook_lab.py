"""JupyterLab itself, in headless Chromium: ``make notebook``'s server (the command
line of ``kata.learner.lab``) on a free localhost port, an exercise opened by its URL
as a notebook (jupytext), its cells run, the check tables rendered.

Chromium is driven through chromedriver's W3C WebDriver interface (plain JSON over
HTTP). Skipped, saying why, where Chromium or chromedriver is absent (Debian:
``apt-get install chromium chromium-driver``; ``.ci/run`` installs them).

``KATA_SCREENSHOT=<file.png>`` also saves a screenshot of the rendered check (the
README's picture is made that way).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kata.dev.verify import variants

pytest.importorskip("jupyterlab", reason="the [notebook] extra is not installed")
pytest.importorskip("jupytext", reason="the [notebook] extra is not installed")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]
PATIENCE = 600.0  # seconds for the page, the kernel and the checks: a last resort only


def http(method: str, url: str, body: dict | None = None, timeout: float = 120.0) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {url}: {exc.code} {exc.read()[:500]!r}") from None


def wait_for(what: str, probe, patience: float = PATIENCE, every: float = 0.5):
    """``probe()``'s first truthy value; fails, naming ``what``, after ``patience`` s."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what}")


class Browser:
    """A headless Chromium session through chromedriver."""

    def __init__(self, profile: Path, port: int):
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={port}", "--allowed-ips=127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{port}"
        wait_for("chromedriver", self._ready, patience=60)
        caps = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [*FLAGS, f"--user-data-dir={profile}"],
            },
        }
        got = http("POST", f"{self.base}/session", {"capabilities": {"alwaysMatch": caps}})
        self.session = f"{self.base}/session/{got['value']['sessionId']}"

    def _ready(self) -> bool:
        try:
            return http("GET", f"{self.base}/status", timeout=2)["value"]["ready"]
        except (OSError, AssertionError):
            return False

    def go(self, url: str) -> None:
        http("POST", f"{self.session}/url", {"url": url})

    def js(self, script: str, *args):
        return http("POST", f"{self.session}/execute/sync", {"script": script, "args": list(args)})[
            "value"
        ]

    def screenshot(self) -> bytes:
        return base64.b64decode(http("GET", f"{self.session}/screenshot")["value"])

    def close(self) -> None:
        try:
            http("DELETE", self.session, timeout=30)
        finally:
            self.driver.terminate()
            self.driver.wait(30)


@pytest.fixture
def lab(tmp_path):
    """JupyterLab as ``make notebook`` starts it, on a copy of ex03 with one mistake
    (scaled_normal draws with the variance as its standard deviation)."""
    from kata.learner import lab as launcher

    name = "ex03_custom_init"
    root = tmp_path / "exercises"
    root.mkdir()
    source = variants.mutants(name)["scaled_normal_variance_as_std"][1]
    (root / f"{name}.py").write_text(source, encoding="utf-8")
    prefix = tmp_path / "prefix"
    launcher.register_kernel(str(prefix))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    port, token = launcher.free_port(18888), secrets.token_hex(16)
    command = launcher.lab_command(root, port, token) + [
        f"--LabApp.app_settings_dir={prefix / 'share' / 'jupyter' / 'lab' / 'settings'}",
        "--LabApp.expose_app_in_browser=True",
    ]
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)

    def up():
        try:
            http("GET", f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return True
        except (OSError, AssertionError):
            return server.poll() is not None  # died: stop waiting, the assert below says so

    try:
        wait_for("JupyterLab to listen", up, patience=180)
        assert server.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
        yield f"http://127.0.0.1:{port}/lab/tree/{name}.py?token={token}", tmp_path
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


IDLE = """
const app = window.jupyterapp;
const panel = app && app.shell.currentWidget;
const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
return !!(document.querySelector('.jp-NotebookPanel .jp-Cell') && kernel && kernel.status === 'idle');
"""
TABLES = """
return Array.from(document.querySelectorAll('.jp-OutputArea-output .kata-check')).map(
    t => ({text: t.textContent, images: t.querySelectorAll('img').length}));
"""


def test_jupyterlab_opens_an_exercise_as_a_notebook_and_renders_the_checks(lab, free_tcp_port):
    url, tmp_path = lab
    browser = Browser(tmp_path / "chromium-profile", free_tcp_port)
    started = time.time()
    try:
        browser.go(url)
        wait_for(
            "the exercise open as a notebook with its kernel idle",
            lambda: browser.js(IDLE),
        )
        assert browser.js("return document.querySelectorAll('.jp-MarkdownCell').length") >= 4
        browser.js("window.jupyterapp.commands.execute('notebook:run-all-cells');")
        tables = wait_for(
            "three rendered check tables",
            lambda: len(browser.js(TABLES)) == 3 and browser.js(TABLES),
        )
        by_task = {t["text"].split(":")[0].split(".")[-1]: t for t in tables}
        assert set(by_task) == {"my_init", "scaled_normal", "WeirdInit"}, tables
        assert "✓ done" in by_task["my_init"]["text"], by_task
        assert "✓ done" in by_task["WeirdInit"]["text"], by_task
        failing = by_task["scaled_normal"]
        assert "failing" in failing["text"] and "standard deviation" in failing["text"], failing
        assert failing["images"] >= 1, "the failing distribution check shows a histogram"
        browser.js("window.jupyterapp.commands.execute('docmanager:save');")
        saved = tmp_path / "exercises" / "ex03_custom_init.py"
        wait_for(
            "the notebook saved",
            lambda: "# %%" in saved.read_text() and saved.stat().st_mtime > started,
        )
        text = saved.read_text()
        assert 'kata.check("ex03", "WeirdInit")' in text and "kernelspec" not in text, text[:600]
        shot = os.environ.get("KATA_SCREENSHOT")
        if shot:
            browser.js(  # the failing check, its cell's code just above
                "const t = document.querySelectorAll('.jp-OutputArea-output .kata-check')[1];"
                "t.closest('.jp-Cell').scrollIntoView();"
            )
            time.sleep(1.0)
            Path(shot).write_bytes(browser.screenshot())
    finally:
        browser.close()


@pytest.fixture
def free_tcp_port():
    from kata.learner.lab import free_port

    return free_port(19515)
