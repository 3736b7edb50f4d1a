"""``synthaug tabular fit | sample | evaluate``: synthetic tables with a holdout-based report."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from synthaug.cli import app
from synthaug.errors import ConfigError

console = Console()
tabular_app = typer.Typer(
    help="Fit a generator on a table, sample synthetic rows, and check fidelity, utility and "
    "privacy on a holdout.",
    no_args_is_help=True,
)
app.add_typer(tabular_app, name="tabular")

GENERATORS = {"copula": "GaussianCopula", "tvae": "TVAE"}


def _parse_condition(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise typer.BadParameter(f"expected COLUMN=VALUE, got {text!r}", param_hint="--condition")
    return name.strip(), value.strip()


@tabular_app.command("fit")
def fit(
    data: Path = typer.Argument(..., help="Training table: .csv or .parquet."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Model folder to write (model.safetensors + model.json)."
    ),
    schema: Path | None = typer.Option(
        None,
        "--schema",
        help="YAML schema: column types, primary key, excluded columns, ranges, fixed combinations.",
    ),
    generator: str = typer.Option(
        "copula", "--generator", help="Generator: copula (seconds) or tvae (deep, minutes)."
    ),
    epochs: int | None = typer.Option(
        None, "--epochs", min=1, help="tvae: training epochs (default 300)."
    ),
    seed: int = typer.Option(0, "--seed", help="tvae: seed of initialisation and batches."),
    dp_epsilon: float | None = typer.Option(
        None,
        "--dp-epsilon",
        help="tvae: train with DP-SGD (opacus, installed separately) to this epsilon.",
    ),
) -> None:
    """Fit a generator on a table and save it."""
    import synthaug.tabular as tab

    if generator not in GENERATORS:
        raise typer.BadParameter(
            f"expected one of {list(GENERATORS)}, got {generator!r}", param_hint="--generator"
        )
    if out.resolve() == data.resolve():
        raise ConfigError(f"--out {out}: would overwrite the input table; choose a new folder")
    overrides = tab.load_schema(schema) if schema else None
    with console.status(f"reading {escape(str(data))}..."):
        df = tab.read_table(data)
    t0 = time.process_time()
    if generator == "tvae":
        import torch
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        torch.set_num_threads(1)  # small MLPs: more threads only add synchronisation
        gen = tab.TVAE(seed=seed, dp_epsilon=dp_epsilon, **({"epochs": epochs} if epochs else {}))
        with Progress(
            TextColumn("[bold]fitting TVAE"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("fit", total=gen.epochs, info="")
            gen.fit(
                df,
                overrides,
                callback=lambda e, n, loss: bar.update(task, completed=e, info=f"loss {loss:.3f}"),
            )
    else:
        for flag, value in (("--epochs", epochs), ("--dp-epsilon", dp_epsilon)):
            if value is not None:
                raise typer.BadParameter("applies to --generator tvae only", param_hint=flag)
        with console.status(f"fitting {GENERATORS[generator]} on {len(df)} rows..."):
            gen = tab.GaussianCopula().fit(df, overrides)
    gen.save(out)
    cpu = time.process_time() - t0
    ts = gen.schema_
    table = Table(title=f"{GENERATORS[generator]} fitted on {len(df)} rows")
    for col in ("column", "kind", "range / categories"):
        table.add_column(col)
    for c in ts.columns:
        if c.categories:
            shown = ", ".join(map(str, c.categories[:6])) + (
                " ..." if len(c.categories) > 6 else ""
            )
            what = f"{len(c.categories)}: {shown}"
        else:
            what = f"[{c.min:.6g}, {c.max:.6g}]" if c.min is not None else "(all missing)"
        table.add_row(escape(c.name), c.kind, escape(what))
    console.print(table)
    if ts.dropped:
        console.print(f"left out: {escape(', '.join(ts.dropped))}")
    for note in ts.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    dp = getattr(gen, "dp_", None)
    if dp:
        console.print(
            f"differential privacy: epsilon {dp['epsilon']:.3g}, delta {dp['delta']:.3g} "
            f"({escape(dp['mechanism'])}); covers {escape(dp['covers'])}"
        )
    console.print(f"wrote [bold]{escape(str(out))}[/bold] (fit {cpu:.2f} s CPU)")


@tabular_app.command("sample")
def sample(
    model: Path = typer.Argument(..., help="Model folder written by 'synthaug tabular fit'."),
    n: int = typer.Option(..., "-n", "--rows", min=1, help="Rows to draw."),
    out: Path = typer.Option(..., "--out", "-o", help="Output table: .csv or .parquet."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same rows."),
    condition: list[str] = typer.Option(
        [], "--condition", help="COLUMN=VALUE every row must have (repeatable), e.g. sex=F."
    ),
) -> None:
    """Draw synthetic rows from a fitted model."""
    import synthaug.tabular as tab

    if out.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise typer.BadParameter(
            f"expected a .csv or .parquet path, got {str(out)!r}", param_hint="--out"
        )
    if out.exists() and out.is_dir():
        raise typer.BadParameter(f"{out} is a folder; give a file name", param_hint="--out")
    conditions = dict(_parse_condition(c) for c in condition)
    gen = tab.load_generator(model)
    t0 = time.process_time()
    with console.status(f"sampling {n} rows..."):
        df = gen.sample(n, seed=seed, conditions=conditions or None)
        tab.write_table(df, out)
    cpu = time.process_time() - t0
    console.print(
        f"wrote [bold]{escape(str(out))}[/bold]: {len(df)} rows x {df.shape[1]} columns "
        f"(seed {seed}{', conditions ' + escape(str(conditions)) if conditions else ''}; {cpu:.2f} s CPU)"
    )


@tabular_app.command("evaluate")
def evaluate(
    real: Path = typer.Option(..., "--real", help="The generator's training table."),
    holdout: Path = typer.Option(
        ..., "--holdout", help="Real rows the generator never saw (disjoint from --real)."
    ),
    synthetic: Path = typer.Option(..., "--synthetic", help="The synthetic table."),
    target: str | None = typer.Option(
        None, "--target", help="Column for the TSTR/TRTR utility test."
    ),
    out: Path = typer.Option(
        Path("tabular-evaluation"), "--out", "-o", help="Output folder (metrics.json, report.html)."
    ),
    schema: Path | None = typer.Option(
        None, "--schema", help="The YAML schema used to fit (kinds, sensitive columns)."
    ),
    sensitive: list[str] = typer.Option(
        [], "--sensitive", help="Column to test for attribute disclosure (repeatable)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of subsampling and cross-validation."),
    model: Path | None = typer.Option(
        None,
        "--model",
        help="The model folder that drew --synthetic: the report states its epsilon.",
    ),
) -> None:
    """Fidelity, utility and privacy of a synthetic table, read against a holdout."""
    import synthaug.tabular as tab
    from synthaug.report import write_text_atomic
    from synthaug.tabular.report import render_table_report

    inputs = {p.resolve() for p in (real, holdout, synthetic)}
    if out.resolve() in inputs:
        raise ConfigError(f"--out {out}: is one of the input tables; choose a new folder")
    overrides = tab.load_schema(schema) if schema else None
    with console.status("reading tables..."):
        tables = {
            k: tab.read_table(p)
            for k, p in (("real", real), ("holdout", holdout), ("synthetic", synthetic))
        }
    with console.status("measuring fidelity, utility and privacy..."):
        ev = tab.evaluate_table(
            tables["real"],
            tables["holdout"],
            tables["synthetic"],
            target=target,
            schema=overrides,
            sensitive=list(sensitive),
            seed=seed,
        )
        if model is not None:
            gen = tab.load_generator(model)
            ev.generator = {"class": type(gen).__name__, "dp": getattr(gen, "dp_", None)}
        html = render_table_report(
            ev,
            tables["real"],
            tables["holdout"],
            tables["synthetic"],
            overrides,
            sources={"real": str(real), "holdout": str(holdout), "synthetic": str(synthetic)},
            title=f"synthaug tabular evaluate: {synthetic.name}",
        )
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "metrics.json", json.dumps(ev.to_dict(), indent=2))
    write_text_atomic(out / "report.html", html)
    table = Table(title=f"{synthetic.name} against {real.name} (holdout {holdout.name})")
    table.add_column("")
    table.add_column("reading")
    rows = [
        ("privacy", ev.privacy.reading(), not ev.privacy.leaks),
        ("fidelity", ev.fidelity.reading(), ev.fidelity.close),
    ]
    if ev.utility is not None:
        rows.append(("utility", ev.utility.reading(), ev.utility.ratio >= 0.9))
    if ev.dp_reading():
        rows.append(("differential privacy", str(ev.dp_reading()), bool(ev.generator.get("dp"))))
    for name, text, ok in rows:
        table.add_row(f"[{'green' if ok else 'red'}]{name}[/]", escape(text))
    console.print(table)
    console.print(
        f"wrote [bold]{escape(str(out / 'metrics.json'))}[/bold] and [bold]{escape(str(out / 'report.html'))}[/bold]"
    )
