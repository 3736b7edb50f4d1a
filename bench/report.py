"""Turn benchmark results into console lines and the markdown tables of docs/benchmarks.md."""

from __future__ import annotations

import math
import os
from pathlib import Path

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
MISSES = ("<!-- bench-misses:begin -->", "<!-- bench-misses:end -->")
PIPELINE_TARGETS = {"5-op pipeline": 2.0, "3-op geometric chain": 2.5}
ROOT = Path(__file__).resolve().parent.parent


def _rate(stats: dict, key: str) -> float | None:
    return stats[key]["images_per_s"] if key in stats else None


def _fmt_rate(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v / 1000:.1f}k" if v >= 10000 else f"{v:.0f}"


def _fmt_ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def ratio(stats: dict, other: str, ours: str = "synthaug") -> float | None:
    """How many times faster ours is than ``other`` (images/s over images/s)."""
    a, b = _rate(stats, ours), _rate(stats, other)
    return None if a is None or b is None else a / b


def one_line(set_name: str, name: str, stats: dict) -> str:
    """A console line: images/s per library and our ratios."""
    parts = [f"[{set_name}] {name:22s}"]
    for k in stats:
        parts.append(f"{k}={_fmt_rate(_rate(stats, k))}")
    for peer in ("albumentations", "kornia"):
        r = ratio(stats, peer)
        if r is not None:
            parts.append(f"vs {peer[:4]} {_fmt_ratio(r)}")
    return "  ".join(parts)


def _verdict(target: str, stats: dict) -> tuple[str, bool | None]:
    """The transform's own target (besides >= 1x Albumentations) and whether it is met."""
    if target == "3x":
        r = ratio(stats, "albumentations")
        return ">= 3x Alb", None if r is None else r >= 3.0
    if target == "one_call" and "raw" in stats:
        slow = _rate(stats, "raw") / _rate(stats, "synthaug")
        return f"<= 1.2x raw ({slow:.2f})", slow <= 1.2
    if target == "copy":
        slow = _rate(stats, "numpy_copy") / _rate(stats, "synthaug")
        return f"<= 1.5x copy ({slow:.2f})", slow <= 1.5
    return "", None


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "**no**")


def geomean(values: list[float]) -> float:
    """Geometric mean of positive values."""
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def markdown(result: dict) -> str:
    """All tables for one result dict."""
    m = result["machine"]
    v = m["versions"]
    lines = [
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores, {m['platform']}; "
        f"load average at start {' '.join(m['load_average_at_start'])}, "
        f"at end {' '.join(m.get('load_average_at_end', []))} (machine shared with other jobs).",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        f"Threads: {m['threads']}. Median of {result['settings']['repeats']} interleaved rounds "
        f"of >= {result['settings']['min_time_s']} s per library"
        + (
            f", then the median of {result['settings']['runs']} full runs"
            if result["settings"].get("runs", 1) > 1
            else ""
        )
        + (
            " timed by this thread's CPU time (--clock cpu)"
            if result["settings"].get("clock") == "cpu"
            else ""
        )
        + f"; wall time {result.get('wall_time_s', '?')} s.",
    ]
    if len(m.get("load_average_per_run", [])) > 1:
        lines.append(
            "Load average (1, 5, 15 min) at the start and end of each run: "
            + "; ".join(
                f"run {i + 1}: {' '.join(r['start'])} -> {' '.join(r['end'])}"
                for i, r in enumerate(m["load_average_per_run"])
            )
            + "."
        )
    lines.append("")
    for set_name, entry in result["sets"].items():
        shapes = ", ".join("x".join(map(str, s)) for s in entry["shapes"])
        lines += [
            f"### Images: {set_name} ({entry['n_images']} photos; {shapes})",
            "",
            "| transform | synthaug img/s | Albumentations | Kornia | raw call | numpy copy "
            "| vs Alb | vs Kornia | own target | met |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        alb_ratios, kor_ratios, misses = [], [], []
        for name, t in entry["transforms"].items():
            st = t["stats"]
            ra, rk = ratio(st, "albumentations"), ratio(st, "kornia")
            if ra is not None:
                alb_ratios.append(ra)
                if ra < 1.0:
                    misses.append(f"{name} < 1x Alb")
            if rk is not None:
                kor_ratios.append(rk)
                if rk < 5.0:
                    misses.append(f"{name} < 5x Kornia")
            own, ok = _verdict(t["target"], st)
            if ok is False:
                misses.append(f"{name}: {own}")
            lines.append(
                f"| {name} | {_fmt_rate(_rate(st, 'synthaug'))} "
                f"| {_fmt_rate(_rate(st, 'albumentations'))} | {_fmt_rate(_rate(st, 'kornia'))} "
                f"| {_fmt_rate(_rate(st, 'raw'))} | {_fmt_rate(_rate(st, 'numpy_copy'))} "
                f"| {_fmt_ratio(ra)} | {_fmt_ratio(rk)} | {own} | {_mark(ok)} |"
            )
        lines += [
            "",
            f"Geometric mean ratio vs Albumentations over {len(alb_ratios)} shared transforms: "
            f"**{geomean(alb_ratios):.2f}x** (target >= 1.3); vs Kornia over {len(kor_ratios)}: "
            f"**{geomean(kor_ratios):.2f}x** (target >= 5); slowest vs Albumentations: "
            f"{min(alb_ratios):.2f}x."
            if alb_ratios
            else "",
            "",
        ]
        if "pipelines" in entry:
            lines += [
                "| pipeline | synthaug fused | synthaug unfused | Albumentations | Kornia "
                "| fused vs Alb | unfused vs Alb | vs Kornia | target | met |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
            ]
            for name, st in entry["pipelines"].items():
                ra = ratio(st, "albumentations")
                target = PIPELINE_TARGETS.get(name)
                ok = None if ra is None or target is None else ra >= target
                if ok is False:
                    misses.append(f"{name} fused < {target}x Alb")
                lines.append(
                    f"| {name} | {_fmt_rate(_rate(st, 'synthaug'))} "
                    f"| {_fmt_rate(_rate(st, 'synthaug_unfused'))} "
                    f"| {_fmt_rate(_rate(st, 'albumentations'))} "
                    f"| {_fmt_rate(_rate(st, 'kornia'))} | {_fmt_ratio(ra)} "
                    f"| {_fmt_ratio(ratio(st, 'albumentations', 'synthaug_unfused'))} "
                    f"| {_fmt_ratio(ratio(st, 'kornia'))} | >= {target}x Alb | {_mark(ok)} |"
                )
            sh = entry["sharpness"]
            lines += [
                "",
                "Sharpness of the 3-op chain (variance of the Laplacian, central 60%, mean over "
                f"photos; same parameters): fused **{sh['laplacian_var_fused']:.0f}**, unfused "
                f"{sh['laplacian_var_unfused']:.0f} (input {sh['laplacian_var_input']:.0f}); "
                f"fused/unfused = {sh['fused_over_unfused']:.2f}.",
                "",
            ]
        lines += [
            "Targets missed on this set: " + ("; ".join(misses) if misses else "none") + ".",
            "",
        ]
    return "\n".join(lines)


def _us(stats: dict, key: str) -> float | None:
    rate = _rate(stats, key)
    return None if rate is None else 1e6 / rate


def _why(target: str, stats: dict) -> str:
    """What the figures of one row say about a missed target (``target`` as in the specs)."""
    ours, raw, copy = _us(stats, "synthaug"), _us(stats, "raw"), _us(stats, "numpy_copy")
    alb = _us(stats, "albumentations")
    if target == "copy" and raw is not None:
        return (
            f"the raw call alone is {raw / copy:.2f}x the copy"
            if raw / copy > 1.5
            else f"the raw call is {raw / copy:.2f}x the copy; our call adds {ours - raw:.1f} us"
        )
    if target == "copy":
        return "no raw call timed"
    if target == "one_call":
        return f"our call adds {ours - raw:.1f} us to the raw call"
    if target == "3x" and raw is not None and alb is not None:
        return f"Albumentations takes {alb / raw:.2f}x the raw call's time"
    if target == "3x":
        return "no single raw call: see the floors below"
    return ""


def misses_markdown(result: dict) -> str:
    """Per image set, the transforms missing their own target or slower than Albumentations,
    with the figures saying why.

    Times are microseconds per image (1e6 over the images/s of the tables); the own targets
    are those of :func:`_verdict`: a copy target is 1.5x a numpy copy, a one-call target 1.2x
    the raw call, the others 3x Albumentations.
    """
    lines = []
    for set_name, entry in result["sets"].items():
        met = [
            name
            for name, t in entry["transforms"].items()
            if _verdict(t["target"], t["stats"])[1] is True
        ]
        for name, st in entry.get("pipelines", {}).items():
            r, target = ratio(st, "albumentations"), PIPELINE_TARGETS.get(name)
            if r is not None and target is not None and r >= target:
                met.append(f"{name} (>= {target}x Alb)")
        for peer, target in (("albumentations", 1.3), ("kornia", 5.0)):
            rs = [r for t in entry["transforms"].values() if (r := ratio(t["stats"], peer))]
            if rs and geomean(rs) >= target:
                met.append(f"geometric mean vs {peer.capitalize()} (>= {target}x)")
        lines += [
            f"Image set {set_name}. Targets met: {', '.join(met) if met else 'none'}.",
            "",
            "Missed, in us per image (from the images/s above):",
            "",
            "| transform | own target | synthaug | raw call | numpy copy | Albumentations "
            "| what the figures say |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for name, t in entry["transforms"].items():
            st = t["stats"]

            def cell(key: str, st: dict = st) -> str:
                v = _us(st, key)
                return "-" if v is None else f"{v:.1f}"

            own, ok = _verdict(t["target"], st)
            if ok is False:
                lines.append(
                    f"| {name} | {own} | {cell('synthaug')} | {cell('raw')} "
                    f"| {cell('numpy_copy')} | {cell('albumentations')} "
                    f"| {_why(t['target'], st)} |"
                )
            ra = ratio(st, "albumentations")
            if ra is not None and ra < 1.0:
                raw, alb, ours = _us(st, "raw"), _us(st, "albumentations"), _us(st, "synthaug")
                why = (
                    f"at the raw call: ours {ours / raw:.2f}x its time, Albumentations "
                    f"{alb / raw:.2f}x"
                    if raw is not None
                    else "no raw call timed"
                )
                lines.append(
                    f"| {name} | >= 1x Alb ({ra:.2f}x) | {cell('synthaug')} | {cell('raw')} "
                    f"| {cell('numpy_copy')} | {cell('albumentations')} | {why} |"
                )
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def replace_block(path: Path, begin: str, end: str, body: str, stub: str = "") -> None:
    """Write ``body`` between the ``begin`` and ``end`` markers of ``path``, atomically.

    The rest of the file is kept; a file without the markers gets the block appended, and a
    missing file is created from ``stub`` plus the block. Every bench script that writes its
    table into a doc goes through here.
    """
    block = f"{begin}\n{body}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else stub
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_docs(path: Path, tables: str, result: dict | None = None) -> None:
    """Replace the generated block of ``path`` (created with a stub around it if missing), and
    with ``result`` the block of missed targets too."""
    replace_block(path, BEGIN, END, tables, stub="# Benchmarks\n\nReproduce with `make bench`.\n")
    if result is not None:
        replace_block(path, *MISSES, misses_markdown(result))


def main(argv: list[str] | None = None) -> int:
    """Rewrite the blocks of docs/benchmarks.md from a stored results file (no timing)."""
    import argparse
    import json

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--results", default=str(ROOT / "bench/results/transforms.json"))
    ap.add_argument("--docs", default=str(ROOT / "docs/benchmarks.md"))
    args = ap.parse_args(argv)
    result = json.loads(Path(args.results).read_text())
    write_docs(Path(args.docs), markdown(result), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
