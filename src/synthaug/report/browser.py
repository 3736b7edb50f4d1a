"""Look at a page as a reader would: in a headless Chromium, if one is installed.

:func:`check_page` opens a copy of the page with a small probe script added (the page itself
has no scripts) and reports horizontal overflow, images that do not load and console errors;
:func:`screenshot` saves the top of a page as PNG. Both need a Chromium or Chrome binary
(:func:`find_browser`: ``$SYNTHAUG_BROWSER``, then ``chromium``, ``chromium-browser``,
``google-chrome`` on the PATH) and raise :class:`BrowserMissing` without one, so tests can skip
with a clear message.

>>> check = check_page("report.html")  # doctest: +SKIP
>>> check.problems()  # doctest: +SKIP
[]
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BrowserMissing", "PageCheck", "check_page", "find_browser", "screenshot"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run")

# Runs before the page's own content: records console errors and failed resources, then after
# load measures the document's width and finds images that did not decode and elements that
# stick out to the right of the viewport.
_PROBE = """<script>
window.__synthaug_errors = [];
console.error = function () {
  window.__synthaug_errors.push(Array.from(arguments).join(" "));
};
window.addEventListener("error", function (e) {
  var t = e.target, src = t && (t.src || t.href);
  window.__synthaug_errors.push(e.message || ("failed to load " + String(src || "?").slice(0, 80)));
}, true);
window.addEventListener("load", function () {
  var d = document.documentElement, w = d.clientWidth;
  var missing = Array.from(document.images)
    .filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
    .map(function (i) { return i.alt || String(i.src).slice(0, 60); });
  var wide = Array.from(document.querySelectorAll("body *"))
    .filter(function (e) { return e.getBoundingClientRect().right > w + 1; })
    .map(function (e) {
      return e.tagName.toLowerCase() + ": " + (e.alt || e.textContent || "").trim().slice(0, 60);
    });
  var out = {scroll_width: d.scrollWidth, client_width: w, missing_images: missing,
             too_wide: wide.slice(0, 10), console_errors: window.__synthaug_errors};
  var pre = document.createElement("pre");
  pre.id = "__synthaug_check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


class BrowserMissing(RuntimeError):
    """No Chromium or Chrome binary was found (set ``SYNTHAUG_BROWSER`` to one)."""


@dataclass(frozen=True)
class PageCheck:
    """What a headless browser saw: the page's width against the window's, images that did
    not load, elements wider than the window, and console errors."""

    scroll_width: int
    client_width: int
    missing_images: list[str] = field(default_factory=list)
    too_wide: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """One line per problem a reader would stumble on; empty when the page is fine."""
        out = []
        if self.scroll_width > self.client_width:
            out.append(
                f"horizontal overflow: the page is {self.scroll_width} px wide in a "
                f"{self.client_width} px window ({'; '.join(self.too_wide[:3]) or 'unknown'})"
            )
        out += [f"image does not load: {m}" for m in self.missing_images]
        out += [f"console error: {e}" for e in self.console_errors]
        return out


def find_browser() -> str:
    """Path of a Chromium/Chrome binary; raises :class:`BrowserMissing` naming what was tried."""
    env = os.environ.get("SYNTHAUG_BROWSER")
    if env:
        if shutil.which(env) is None:
            raise BrowserMissing(f"SYNTHAUG_BROWSER={env!r} is not an executable")
        return env
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise BrowserMissing(
        f"no headless browser: none of {', '.join(_NAMES)} is on the PATH (install chromium, "
        "or set SYNTHAUG_BROWSER to a Chrome/Chromium binary)"
    )


def _run(args: list[str], timeout: float) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        tail = " ".join(proc.stderr.split()[-30:])
        raise RuntimeError(f"{args[0]} exited with {proc.returncode}: {tail}")
    return proc.stdout


def check_page(
    path: str | os.PathLike[str], width: int = 1280, height: int = 2200, timeout: float = 90.0
) -> PageCheck:
    """Open ``path`` (an HTML file) at ``width`` x ``height`` and report what a reader would see
    go wrong (see :meth:`PageCheck.problems`)."""
    browser = find_browser()
    src = Path(path)
    page = src.read_text(encoding="utf-8")
    probed, n = re.subn(r"<head>", "<head>" + _PROBE, page, count=1, flags=re.IGNORECASE)
    if n == 0:
        probed = _PROBE + page
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / src.name  # beside nothing: relative links would fail, as they should
        copy.write_text(probed, encoding="utf-8")
        dom = _run(
            [browser, *_FLAGS, f"--user-data-dir={tmp}/profile", "--dump-dom",
             "--virtual-time-budget=10000", f"--window-size={width},{height}",
             copy.as_uri()],
            timeout,
        )  # fmt: skip
    found = re.search(r'<pre id="__synthaug_check">(.*?)</pre>', dom, flags=re.DOTALL)
    if not found:
        raise RuntimeError(f"{src}: the browser did not finish loading the page")
    import html

    data = json.loads(html.unescape(found.group(1)))
    return PageCheck(**data)


def screenshot(
    path: str | os.PathLike[str],
    png: str | os.PathLike[str],
    width: int = 1280,
    height: int = 1400,
    timeout: float = 90.0,
) -> Path:
    """Save the top ``width`` x ``height`` pixels of the HTML page ``path`` as the PNG ``png``."""
    browser = find_browser()
    out = Path(png).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        _run(
            [browser, *_FLAGS, f"--user-data-dir={tmp}/profile", f"--screenshot={out}",
             f"--window-size={width},{height}", "--virtual-time-budget=5000",
             Path(path).resolve().as_uri()],
            timeout,
        )  # fmt: skip
    if not out.is_file():
        raise RuntimeError(f"{browser} wrote no screenshot for {path}")
    return out
