"""Print a plan's report.html to PDF in headless Chromium and check the print layout.

Usage::

    python scripts/print_report.py plans/2024-2026/report.html report.pdf

Chromium (Debian's ``chromium`` package, or ``CHROMIUM=/path/to/chrome``) is driven over
the DevTools protocol on a pipe (no network port, no extra package).  With print media
emulated at the width of the printed text, the script measures every table and figure
against that width and asks Chromium which fonts it drew the title with; then it prints
the page to PDF on the paper the page's CSS asks for (A4).  It prints the findings as
JSON and exits 1 if a table or figure is wider than the page or the paper is not A4.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from base64 import b64decode
from pathlib import Path

#: A4 in PDF points (1/72 inch), with the tolerance of Chromium's rounding.
A4_PT = (595.28, 841.89)
#: The report's printed text width in CSS pixels (186 mm at 96 px per inch).
TEXT_WIDTH_PX = round(186.0 / 25.4 * 96)

_MEASURE = """(() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  document.querySelectorAll('table, figure img').forEach((el, i) => {
    let h = el.closest('div, figure'); let title = '';
    let p = (h || el).previousElementSibling;
    while (p && !/^H[1-3]$/.test(p.tagName)) p = p.previousElementSibling;
    if (p) title = p.textContent;
    const r = el.getBoundingClientRect();
    out.push({index: i, tag: el.tagName.toLowerCase(), title: title, left: r.left, right: r.right,
              width: Math.max(r.width, el.scrollWidth || 0)});
  });
  const scrollers = [...document.querySelectorAll('.tw')].filter(d => d.scrollWidth > d.clientWidth + 1).length;
  return JSON.stringify({page_width: width, document_width: document.documentElement.scrollWidth,
                         elements: out, scrolling_boxes: scrollers,
                         font_ok: document.fonts.check('12px LayoutCJK', '孟津区学校')});
})()"""


def find_chromium() -> str | None:
    """The Chromium executable: ``$CHROMIUM``, else ``chromium``, ``chromium-browser``,
    ``google-chrome`` on the PATH (None if none)."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _Pipe:
    """The DevTools protocol over Chromium's ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, chromium: str, profile: str, offline: bool = False) -> None:
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()
        args = [
            chromium,
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={profile}",
        ]
        if offline:  # every host name fails to resolve: no request leaves the machine
            args.append("--host-resolver-rules=MAP * ~NOTFOUND")
        args.append("about:blank")

        def fds() -> None:  # the child reads commands on fd 3 and writes answers on fd 4
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        self.proc = subprocess.Popen(
            args, preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        os.close(to_r)
        os.close(from_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def _read(self) -> dict:
        while b"\0" not in self._buf:
            chunk = os.read(self._from_r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        msg: dict = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_event(self, method: str) -> dict:
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read()
            if e.get("method") == method:
                return e
            self.events.append(e)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_w)
        os.close(self._from_r)


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height (points) of every page of a PDF written by Chromium."""
    sizes = []
    for m in re.finditer(rb"/Type\s*/Page\b(?!s).*?/MediaBox\s*\[\s*([\d.\s-]+)\]", pdf, re.S):
        x0, y0, x1, y1 = (float(v) for v in m.group(1).split())
        sizes.append((x1 - x0, y1 - y0))
    if not sizes:  # MediaBox before /Type in the page dictionary
        for m in re.finditer(rb"/MediaBox\s*\[\s*([\d.\s-]+)\]", pdf):
            x0, y0, x1, y1 = (float(v) for v in m.group(1).split())
            sizes.append((x1 - x0, y1 - y0))
    return sizes


def pdf_fonts(pdf: bytes) -> list[str]:
    """Names of the fonts embedded in a PDF (subset prefixes removed), sorted."""
    names = {re.sub(r"^[A-Z]{6}\+", "", m.decode("latin-1")) for m in re.findall(rb"/BaseFont\s*/([^\s/<>\[\]]+)", pdf)}
    return sorted(names)


def _open_page(cdp: _Pipe, url: str, width: int | None = None, print_media: bool = False) -> str:
    """Open ``url`` in a new tab and wait until it has loaded; the tab's session id."""
    target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    cdp.call("Page.enable", session=session)
    if print_media:
        cdp.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
    if width is not None:
        cdp.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 1100, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
    cdp.call("Page.navigate", {"url": url}, session=session)
    cdp.wait_event("Page.loadEventFired")
    cdp.call("Runtime.evaluate", {"expression": "document.fonts.ready", "awaitPromise": True}, session=session)
    return session


def evaluate(html_path: str | Path, expression: str, offline: bool = False, chromium: str | None = None) -> object:
    """The value of a JavaScript ``expression`` in a page opened in headless Chromium
    (with ``offline``, every request to a server fails)."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found (install Debian's chromium or set CHROMIUM)")
    with tempfile.TemporaryDirectory() as profile:
        cdp = _Pipe(chromium, profile, offline=offline)
        try:
            session = _open_page(cdp, Path(html_path).resolve().as_uri())
            answer = cdp.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        finally:
            cdp.close()
    return answer["result"].get("value")


def print_report(html_path: str | Path, pdf_path: str | Path, chromium: str | None = None) -> dict:
    """Print ``html_path`` to ``pdf_path`` in headless Chromium and measure its print layout.

    Returns
    -------
    dict
        ``pages`` (count), ``page_sizes_pt``, ``a4`` (every page A4 portrait),
        ``page_width_px`` (printed text width), ``too_wide`` (tables and figures wider
        than it: index, tag, title, width), ``scrolling_boxes``, ``title_fonts``
        (the fonts Chromium drew the title with: family, custom, glyphs), ``font_ok``,
        ``pdf_fonts``.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found (install Debian's chromium or set CHROMIUM)")
    url = Path(html_path).resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        cdp = _Pipe(chromium, profile)
        try:
            session = _open_page(cdp, url, width=TEXT_WIDTH_PX, print_media=True)
            measured = json.loads(
                cdp.call("Runtime.evaluate", {"expression": _MEASURE, "returnByValue": True}, session=session)[
                    "result"
                ]["value"]
            )
            cdp.call("DOM.enable", session=session)
            cdp.call("CSS.enable", session=session)
            root = cdp.call("DOM.getDocument", session=session)["root"]["nodeId"]
            h1 = cdp.call("DOM.querySelector", {"nodeId": root, "selector": "h1"}, session=session)["nodeId"]
            fonts = cdp.call("CSS.getPlatformFontsForNode", {"nodeId": h1}, session=session)["fonts"] if h1 else []
            cdp.call("Emulation.clearDeviceMetricsOverride", session=session)
            pdf = b64decode(
                cdp.call(
                    "Page.printToPDF",
                    {"preferCSSPageSize": True, "printBackground": True, "displayHeaderFooter": False},
                    session=session,
                )["data"]
            )
        finally:
            cdp.close()
    Path(pdf_path).write_bytes(pdf)
    sizes = pdf_pages(pdf)
    width = float(measured["page_width"])
    too_wide = [
        {k: e[k] for k in ("index", "tag", "title", "width")}
        for e in measured["elements"]
        if e["width"] > width + 1 or e["right"] > width + 1 or e["left"] < -1
    ]
    return {
        "pages": len(sizes),
        "page_sizes_pt": sorted({(round(w, 1), round(h, 1)) for w, h in sizes}),
        "a4": bool(sizes) and all(abs(w - A4_PT[0]) < 2 and abs(h - A4_PT[1]) < 2 for w, h in sizes),
        "page_width_px": width,
        "document_width_px": measured["document_width"],
        "elements": len(measured["elements"]),
        "too_wide": too_wide,
        "scrolling_boxes": measured["scrolling_boxes"],
        "title_fonts": [
            {"family": f["familyName"], "custom": bool(f.get("isCustomFont")), "glyphs": f["glyphCount"]} for f in fonts
        ],
        "font_ok": bool(measured["font_ok"]),
        "pdf_fonts": pdf_fonts(pdf),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__)
        return 2
    result = print_report(argv[0], argv[1])
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0 if result["a4"] and not result["too_wide"] else 1


if __name__ == "__main__":
    sys.exit(main())
