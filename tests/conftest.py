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


@pytest.fixture(scope="session")
def longgang():
    """The embedded Longgang district (an Area); test files may define their own."""
    from geozz import datasets

    return datasets.longgang()


@pytest.fixture(scope="session")
def haidian():
    """The embedded Haidian district (an Area)."""
    from geozz import datasets

    return datasets.haidian()
