"""Opening geozz pages in a real headless Chromium (Debian's chromium, driven by Playwright).

Used by the map tests through the ``browser`` fixture of ``conftest.py``.
"""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


COUNT_JS = """() => {
  const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  const map = window[key];
  let shapes = 0;
  map.eachLayer(l => { if (l.feature && l instanceof L.Path) shapes += 1; });
  // cells of the canvas grids on the map (large regular grids: one layer, many cells)
  if (window.geozzMap) window.geozzMap.canvases.forEach(c => { if (c._map) shapes += c.n; });
  const canvas = document.querySelector('.leaflet-overlay-pane canvas');
  const ctx = canvas.getContext('2d');
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted += 1;
  return {shapes, painted, total: canvas.width * canvas.height, key,
          legend: !!document.getElementById('gz-legend')};
}"""


def open_offline(browser, path):
    context = browser.new_context(offline=True, viewport={"width": 1000, "height": 800})
    page = context.new_page()
    errors, requests, dialogs = [], [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("() => window.L !== undefined")
    # a star map draws once its packed data is inflated (asynchronously)
    page.wait_for_function("() => !document.querySelector('.folium-map') || window.geozzMap")
    page.wait_for_timeout(300)
    return context, page, errors, requests, dialogs


def launch(playwright):
    """Start headless Chromium with the flags this machine needs (no network chatter)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])


def require_chromium():
    """Skip (or fail on CI) when Chromium is missing."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: the README test command installs it")
        pytest.skip("chromium not installed (apt-get install chromium)")
