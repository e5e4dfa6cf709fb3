"""The example frontend (examples/invoice_timeline) in headless Chromium, served from another origin
than the API: it loads its invoice's emails with a client token from its backend, sends one, and
shows the row turn SENT and then the bounced recipient, live over graphql-transport-ws."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from domain.settings import get_settings
from tests.conftest import free_port
from tests.factories import Tenant, make_connected_tenant
from workers import runtime
from workers.connect import start_watch
from workers.db import session_scope

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("MAILTRAIL_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))
CREATE = """mutation($i: DraftInput!) { createDraft(input: $i) { __typename } }"""


@pytest.fixture
def tenant(db: str, gmail, live_api, worker) -> Tenant:  # type: ignore[no-untyped-def]
    """A connected account with a Gmail watch, so bounces come back through push notifications."""
    tenant = make_connected_tenant(gmail)
    assert start_watch(get_settings(), session_scope, runtime.gateway(), runtime.cipher(), tenant.account_id)
    return tenant


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    assert os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK), (
        "Chromium is needed: `make browser` installs Debian's chromium and chromium-driver (make test does)"
    )
    profile = tempfile.mkdtemp(prefix="mailtrail-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1200,800",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(live_api: str, tenant: Tenant, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The example's backend on its own port (another origin), scoped to a fresh invoice."""
    invoice, port = str(uuid.uuid4()), free_port()
    log = (tmp_path / "backend.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "examples/invoice_timeline/backend.py"),
            "--api",
            live_api,
            "--port",
            str(port),
            "--invoice",
            invoice,
        ],
        env={**os.environ, "MAILTRAIL_API_TOKEN": tenant.token},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_page(url, process, tmp_path / "backend.log")
        yield url, invoice
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def wait_for_page(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the example backend did not start: {log.read_text()}")
        time.sleep(0.1)


ROWS = """return Array.from(document.querySelectorAll('#emails tr[data-id]')).map(function (row) {
  return {id: row.dataset.id, status: row.dataset.status, delivery: row.dataset.delivery, text: row.innerText,
          bounced: Array.from(row.querySelectorAll('li[data-bounced]')).map(function (li) {
            return li.firstChild.textContent.split(' — ')[0]; }).join(',')};
});"""


def row_state(driver: webdriver.Chrome) -> list[dict[str, str]]:
    """The table as the page shows it, read in one script (the page re-renders rows as updates arrive)."""
    return list(driver.execute_script(ROWS))


def test_the_invoice_timeline_lists_sends_and_shows_the_bounce_live(browser, page, tenant, live_api, worker) -> None:
    url, invoice = page
    assert url.rsplit(":", 1)[1] != live_api.rsplit(":", 1)[1]  # a different origin than the API
    with httpx.Client(base_url=live_api, headers={"Authorization": f"Bearer {tenant.token}"}) as api:
        for context_id, subject in ((invoice, "Earlier reminder"), (str(uuid.uuid4()), "Another invoice")):
            draft = {
                "accountId": str(tenant.account_id),
                "to": ["client@example.com"],
                "subject": subject,
                "contextType": "invoice",
                "contextId": context_id,
            }
            assert api.post("/graphql", json={"query": CREATE, "variables": {"i": draft}}).status_code == 200

    browser.get(url + "/")
    wait = WebDriverWait(browser, 30, poll_frequency=0.1)
    wait.until(lambda d: "Live" in d.find_element(By.ID, "connection").text and len(row_state(d)) == 1)
    (earlier,) = row_state(browser)
    assert earlier["status"] == "DRAFT"  # this invoice's email only: the other invoice's is not listed
    assert "Earlier reminder" in browser.find_element(By.ID, "emails").text
    assert "Another invoice" not in browser.find_element(By.ID, "emails").text

    wait.until(lambda d: d.find_element(By.ID, "send").is_enabled())
    browser.find_element(By.ID, "send").click()
    wait.until(lambda d: len(row_state(d)) == 2)
    sent = wait.until(
        lambda d: next((r for r in row_state(d) if r["id"] != earlier["id"] and r["status"] == "SENT"), None)
    )
    bounced = wait.until(lambda d: next((r for r in row_state(d) if r["id"] == sent["id"] and r["bounced"]), None))
    assert bounced["bounced"] == "nobody@nowhere.invalid"
    assert bounced["delivery"] == "bounce_detected"
    assert "5.1.1" in bounced["text"] and "userunknown" in bounced["text"]  # the recipient's own evidence
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "invoice-timeline.png"))
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
