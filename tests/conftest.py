"""Fixtures shared by the test modules: one headless Chromium for the whole run."""

import pytest

from _browser import launch, require_chromium


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
