"""The stylesheet of every synthaug page (inlined into each page's ``<style>``)."""

from __future__ import annotations

__all__ = ["PAGE_CSS"]

#: One stylesheet for all pages. Tables wrap long text rather than widen the page
#: (``overflow-wrap:anywhere``); numeric cells (``td.num``) stay on one line.
PAGE_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1d1d1f;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.3em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em;max-width:100%}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f5f5f7}td.num{text-align:right;white-space:nowrap;overflow-wrap:normal}
tr.reference td{font-style:italic;color:#555;background:#fafafa}
tr.good,tr.bad,tr.neutral{color:inherit;font-weight:normal}
tr.good>td:nth-child(2){color:#0a7d2c;font-weight:600}tr.bad>td:nth-child(2){color:#b3261e;font-weight:600}
.good{color:#0a7d2c;font-weight:600}.bad{color:#b3261e;font-weight:600}.neutral{color:#555}
.note{color:#555;font-size:.9em}figure{margin:1em 0;max-width:100%}
figcaption{color:#555;font-size:.9em}img{max-width:100%;height:auto}
img.pixels{image-rendering:pixelated}
.grids{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
.grids figure{flex:0 1 auto}
.callout{border:1px solid #ccc;background:#fafafa;padding:.6em 1em;margin:1em 0}
.callout.bad,.warning{border:2px solid #b3261e;background:#fdecea;color:#6b1410;font-weight:normal}
.callout.good,.baseline-ok{border:1px solid #0a7d2c;background:#edf7ef;color:#1d1d1f;font-weight:normal}
.callout.neutral{border:1px solid #b0b0b0;background:#f5f5f7;color:#1d1d1f}
.warning{padding:.6em 1em;margin:1em 0}.baseline-ok{padding:.6em 1em;margin:1em 0}
.answers{list-style:none;padding-left:0}.answers>li{margin:.5em 0;padding-left:.8em;
border-left:4px solid #ccc}.answers>li.good{border-color:#0a7d2c}.answers>li.bad{border-color:#b3261e}
.answers>li.neutral{border-color:#b0b0b0}.answers>li{font-weight:normal;color:#1d1d1f}
.answers b.q{display:inline-block;min-width:0}
code{overflow-wrap:break-word}
"""
