"""The quick tour's page in a real browser (Debian's ``chromium``, driven by Playwright over its own pipe, no
browser download): no console error, nothing loaded from outside the report's folder, every picture decoded,
and the math laid out by the browser's MathML engine (sizes measured, not just tags counted).

Skipped without chromium or Playwright, except in CI, where ``scripts/test.sh`` installs both
(``tests/conftest.py`` refuses to run CI without them). The screenshot is kept beside the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

MEASURE = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  const line = parseFloat(getComputedStyle(document.querySelector('p')).lineHeight);
  return {
    images: [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, ...box(i)]),
    blocks: [...document.querySelectorAll('math[display="block"]')].map(box),
    fractions: [...document.querySelectorAll('math[display="block"]')].filter(m => m.querySelector('mfrac')).map(box),
    inline: [...document.querySelectorAll('p > math')].map(box),
    line: line,
    mathDisplay: getComputedStyle(document.querySelector('math[display="block"]')).display,
    sections: [...document.querySelectorAll('section[id]:not(.derivation)')].map(s => s.id),
  };
}"""


@pytest.fixture(scope="module")
def browser_view(quick_report, tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium); scripts/test.sh installs it in CI")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    report, folder = quick_report
    profile = tmp_path_factory.mktemp("chromium-profile")
    messages, errors, requests = [], [], []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS, viewport={"width": 1200, "height": 900})
        try:
            page = browser.new_page()
            page.on("console", lambda m: messages.append((m.type, m.text)))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto((folder / "index.html").as_uri(), wait_until="load")
            measured = page.evaluate(MEASURE)
            page.screenshot(path=str(folder / "screenshot.png"), full_page=False)
            page.screenshot(path=str(folder / "screenshot-full.png"), full_page=True)
        finally:
            browser.close()
    return {"report": report, "folder": folder, "messages": messages, "errors": errors, "requests": requests,
            **measured}  # fmt: skip


def test_no_console_error_and_nothing_loaded_from_outside(browser_view):
    assert browser_view["errors"] == []
    assert [m for m in browser_view["messages"] if m[0] in ("error", "warning")] == []
    root = browser_view["folder"].resolve().as_uri() + "/"
    assert browser_view["requests"] and all(url.startswith(root) for url in browser_view["requests"]), \
        browser_view["requests"]


def test_every_section_and_picture_is_shown(browser_view):
    assert browser_view["sections"] == [s.key for s in browser_view["report"].sections]
    assert len(browser_view["images"]) >= 15
    for src, complete, natural_width, width, height in browser_view["images"]:
        assert complete and natural_width > 0 and width > 50 and height > 30, src
    shot = Path(browser_view["folder"] / "screenshot.png")
    full = Path(browser_view["folder"] / "screenshot-full.png")
    assert shot.stat().st_size > 20_000 and full.stat().st_size > 200_000


def test_math_is_laid_out_by_the_browser(browser_view):
    """Rendered MathML has size; fractions stack, so a display formula with one is taller than a line of text
    (a browser without MathML would run the tags' text together on one line)."""
    line = browser_view["line"]
    assert browser_view["mathDisplay"] == "block math"  # laid out by the MathML engine, not as text
    assert len(browser_view["blocks"]) > 50
    assert all(width > 0 and height > 0 for width, height in browser_view["blocks"])
    heights = sorted(height for _, height in browser_view["fractions"])
    assert heights and heights[0] > line and heights[len(heights) // 2] > 1.5 * line and heights[-1] > 2.5 * line
    assert browser_view["inline"] and all(width > 0 and height > 0.5 * line for width, height in browser_view["inline"])
