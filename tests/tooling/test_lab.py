"""JupyterLab itself, in headless Chromium: ``make notebook``'s server (the command
line of ``kata.learner.lab``) on a free localhost port, an exercise opened by its URL
as a notebook (jupytext), its cells run, the check tables rendered.

Chromium is driven by Selenium through Debian's chromedriver. Skipped, saying why, where Chromium or chromedriver is absent (Debian:
``apt-get install chromium chromium-driver``; ``.ci/run`` installs them).

``KATA_SCREENSHOT=<file.png>`` also saves a screenshot of the rendered check (the
README's picture is made that way).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.request

import pytest

from kata.dev.verify import variants

pytest.importorskip("jupyterlab", reason="the [notebook] extra is not installed")
pytest.importorskip("jupytext", reason="the [notebook] extra is not installed")
pytest.importorskip("selenium", reason="the [dev] extra is not installed")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

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


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def wait_for(what: str, probe, patience: float = PATIENCE, every: float = 0.5):
    """``probe()``'s first truthy value; fails, naming ``what``, after ``patience`` s."""
    try:
        return WebDriverWait(None, patience, poll_frequency=every).until(
            lambda _: probe(), message=f"gave up waiting for {what}"
        )
    except TimeoutException as exc:
        raise AssertionError(exc.msg) from None


@pytest.fixture
def browser(tmp_path):
    """A headless Chromium session through Debian's chromedriver."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


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

    def up():  # or died: stop waiting, the assert below says so
        return http_ok(f"http://127.0.0.1:{port}/api/status?token={token}") or server.poll()

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


def test_jupyterlab_opens_an_exercise_as_a_notebook_and_renders_the_checks(lab, browser):
    url, tmp_path = lab
    started = time.time()
    js = browser.execute_script
    browser.get(url)
    wait_for(
        "the exercise open as a notebook with its kernel idle",
        lambda: js(IDLE),
    )
    assert js("return document.querySelectorAll('.jp-MarkdownCell').length") >= 4
    js("window.jupyterapp.commands.execute('notebook:run-all-cells');")
    tables = wait_for(
        "three rendered check tables",
        lambda: len(js(TABLES)) == 3 and js(TABLES),
    )
    by_task = {t["text"].split(":")[0].split(".")[-1]: t for t in tables}
    assert set(by_task) == {"my_init", "scaled_normal", "WeirdInit"}, tables
    assert "✓ done" in by_task["my_init"]["text"], by_task
    assert "✓ done" in by_task["WeirdInit"]["text"], by_task
    failing = by_task["scaled_normal"]
    assert "failing" in failing["text"] and "standard deviation" in failing["text"], failing
    assert failing["images"] >= 1, "the failing distribution check shows a histogram"
    js("window.jupyterapp.commands.execute('docmanager:save');")
    saved = tmp_path / "exercises" / "ex03_custom_init.py"
    wait_for(
        "the notebook saved",
        lambda: "# %%" in saved.read_text() and saved.stat().st_mtime > started,
    )
    text = saved.read_text()
    assert 'kata.check("ex03", "WeirdInit")' in text and "kernelspec" not in text, text[:600]
    shot = os.environ.get("KATA_SCREENSHOT")
    if shot:
        js(  # the failing check, its cell's code just above
            "const t = document.querySelectorAll('.jp-OutputArea-output .kata-check')[1];"
            "t.closest('.jp-Cell').scrollIntoView();"
        )
        time.sleep(1.0)
        browser.save_screenshot(shot)
