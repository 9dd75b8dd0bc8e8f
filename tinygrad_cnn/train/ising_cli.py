"""What ``tinygrad-cnn train ising`` runs: train the phase classifier (or, with ``--fss``, one per lattice size),
write ``metrics.json``, the checkpoint(s) and the plots into the output folder, and print a summary.

Every file is written atomically, so a failed or interrupted run leaves what an earlier run wrote intact.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from ..data.ising_exact import CRITICAL_TEMPERATURE
from ..files import write_text
from ..subcommands import CommandError
from .ising import (
    FAR_FROM_CRITICAL,
    FSS_SIZES,
    IsingRecipe,
    IsingRun,
    ScalingRun,
    finite_size_scaling,
    train_phase_classifier,
)
from .ising_plots import plot_configurations, plot_finite_size_scaling, plot_ising_filters, plot_phase_curve
from .plots import plot_history

__all__ = ["run", "recipe_from_args", "output_folder"]


def recipe_from_args(args: argparse.Namespace) -> IsingRecipe:
    """The recipe the options ask for (the defaults of :class:`IsingRecipe` where none is given)."""
    if args.fss and args.L is not None:
        raise CommandError(f"--fss trains at L = {', '.join(map(str, FSS_SIZES))}; leave out --L")
    given = {"L": args.L, "epochs": args.epochs, "train_samples": args.samples, "test_samples": args.test_samples}
    return IsingRecipe(model=args.model, seed=args.seed, **{k: v for k, v in given.items() if v is not None})


def output_folder(args: argparse.Namespace, recipe: IsingRecipe) -> Path:
    """The output folder, created and checked writable before any work is done."""
    default = f"ising-fss-{recipe.model}-seed{recipe.seed}" if args.fss else \
        f"ising-L{recipe.L}-{recipe.model}-seed{recipe.seed}"  # fmt: skip
    folder = Path(args.out) if args.out else Path("runs") / default
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot create the output folder {str(folder)!r}: {error.strerror or error}") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"the output folder {str(folder)!r} is not a writable folder")
    return folder


def _json_ready(value: Any) -> Any:
    """NaN and infinities (not JSON) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _json_ready(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


def _write_metrics(folder: Path, metrics: dict[str, Any]) -> Path:
    path = folder / "metrics.json"
    write_text(path, json.dumps(_json_ready(metrics), indent=1, allow_nan=False) + "\n")
    return path


def _run_line(run: IsingRun) -> str:
    r = run.recipe
    return (f"  L = {r.L:2d}  {r.model}  seed {r.seed}: T_c ≈ {run.critical_temperature:.4f} "
            f"({100 * run.relative_error:+.2f} %), accuracy {100 * run.accuracy:.1f} % "
            f"(far from T_c {100 * run.accuracy_far:.1f} %), {sum(run.seconds.values()):.1f} s")  # fmt: skip


def _single(recipe: IsingRecipe, folder: Path, cache: bool) -> list[str]:
    checkpoint = folder / "checkpoint.npz"
    run = train_phase_classifier(recipe, checkpoint=checkpoint, cache=cache, progress=None)
    files = [_write_metrics(folder, run.metrics()), checkpoint]
    files += plot_configurations(run.test, folder / "configurations")
    files += plot_phase_curve(run, folder / "phase")
    files += plot_history(run.history, folder / "curves", f"Ising {recipe.model}, L = {recipe.L}")
    if recipe.model == "cnn":
        files += plot_ising_filters(run.model, folder / "filters")
    r, far = run.recipe, FAR_FROM_CRITICAL
    return [
        f"Ising phase classifier: {run.parameters:,}-parameter {r.model.upper()} "
        f"({run.metrics()['architecture']}), L = {r.L}, seed {r.seed}",
        f"  trained on {len(r.train_temperatures)} temperatures in [{r.train_temperatures[0]:g}, "
        f"{r.train_temperatures[-1]:g}] x {r.train_samples} configurations, {r.epochs} epochs; tested on fresh "
        f"chains at {len(r.test_temperatures)} temperatures x {r.test_samples}",
        f"  critical_temperature = {run.critical_temperature:.4f}  (Onsager {CRITICAL_TEMPERATURE:.4f}: "
        f"{100 * run.relative_error:+.2f} %; crossings {', '.join(f'{c:.4f}' for c in run.crossing.crossings)})",
        f"  test accuracy {100 * run.accuracy:.1f} %, {100 * run.accuracy_far:.2f} % with |T - T_c| >= {far:g}; "
        f"train accuracy {100 * run.train_accuracy:.1f} %",
        f"  time: data {run.seconds['data']:.1f} s, training {run.seconds['train']:.1f} s, test "
        f"{run.seconds['test']:.1f} s",
        *_written(folder, files),
        f"  the model's table: tinygrad-cnn summary {checkpoint}",
    ]  # fmt: skip


def _scaling(recipe: IsingRecipe, folder: Path, cache: bool) -> list[str]:
    lines = [f"finite-size scaling, {recipe.model.upper()}, seed {recipe.seed}:"]

    def report(run: IsingRun) -> None:
        print(_run_line(run), flush=True)

    result: ScalingRun = finite_size_scaling(
        recipe, FSS_SIZES, checkpoint=lambda L, seed: folder / f"checkpoint-L{L}.npz", cache=cache, progress=None,
        report=report,
    )  # fmt: skip
    fit = result.fit
    files = [_write_metrics(folder, result.metrics())]
    files += [folder / f"checkpoint-L{L}.npz" for L in FSS_SIZES]
    files += plot_finite_size_scaling(fit, folder / "fss", [[r.critical_temperature for r in result.runs[L]]
                                                          for L in FSS_SIZES])  # fmt: skip
    files += plot_phase_curve([runs[0] for runs in result.runs.values()], folder / "phase")
    files += plot_configurations(result.runs[FSS_SIZES[-1]][0].test, folder / "configurations")
    if recipe.model == "cnn":
        files += plot_ising_filters(result.runs[FSS_SIZES[-1]][0].model, folder / "filters")
    error = "" if fit.intercept_error is None else f" ± {fit.intercept_error:.4f}"
    lines += [
        f"  critical_temperature = {fit.intercept:.4f}{error} (L -> ∞, linear in 1/L; slope {fit.slope:+.3f}); "
        f"Onsager {CRITICAL_TEMPERATURE:.4f}: {100 * result.relative_error:+.2f} %",
        *_written(folder, files),
    ]
    return lines


def _written(folder: Path, files: list[Path]) -> list[str]:
    names = sorted({Path(f).name for f in files})
    return [f"  wrote to {folder}: {', '.join(names)}"]


def run(args: argparse.Namespace) -> int:
    """``tinygrad-cnn train ising``."""
    start = time.perf_counter()
    recipe = recipe_from_args(args)
    folder = output_folder(args, recipe)
    cache = not args.no_cache
    lines = _scaling(recipe, folder, cache) if args.fss else _single(recipe, folder, cache)
    lines.append(f"  total {time.perf_counter() - start:.1f} s")
    print("\n".join(lines))
    return 0
