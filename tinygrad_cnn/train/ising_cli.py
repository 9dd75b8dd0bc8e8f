"""What ``tinygrad-cnn train ising`` runs: train the phase classifier (or, with ``--fss``, one per lattice size),
write ``metrics.json``, the checkpoint(s) and the plots into the output folder, and print a summary.

Every file is written atomically, so a failed or interrupted run leaves what an earlier run wrote intact.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import textwrap
import time
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from ..data.ising_exact import CRITICAL_TEMPERATURE
from ..files import write_text
from ..serialization import load_metadata
from ..subcommands import CommandError
from .checkpoint import CheckpointError
from .ising import (
    FAR_FROM_CRITICAL,
    FSS_SEEDS,
    FSS_SIZES,
    IsingRecipe,
    IsingRun,
    ScalingRun,
    finite_size_scaling,
    train_phase_classifier,
)
from .ising_plots import plot_configurations, plot_finite_size_scaling, plot_ising_filters, plot_phase_curve
from .loop import TrainingDiverged
from .plots import plot_history
from .runner import _count
from .runner import _folder as prepare_folder

__all__ = ["run", "recipe_from_args"]

CHECKPOINT = "checkpoint.npz"
METRICS = "metrics.json"
MODELS = ("cnn", "mlp")
_NOT_FOR_ISING = (("steps", "--steps"), ("shuffle_seq", "--shuffle-seq"), ("table", "--table"))


def _lattice(flag: str, text: str) -> int:
    value = _count(flag, text.strip(), 4)
    if value % 2:
        raise CommandError(f"{flag} must be even (the checkerboard Monte Carlo update), got {value}")
    return value


def _sizes(text: str | None) -> tuple[int, ...]:
    if text is None:
        return FSS_SIZES
    sizes = tuple(_lattice("--sizes", part) for part in text.split(",") if part.strip())
    if len(set(sizes)) < 2:
        raise CommandError(f"--sizes needs two or more distinct lattice sizes, e.g. 16,24,32, got {text[:40]!r}")
    return sizes


def recipe_from_args(args: argparse.Namespace) -> tuple[IsingRecipe, tuple[int, ...] | None]:
    """The recipe the options ask for (the defaults of :class:`IsingRecipe` where none is given), and the
    sizes of ``--fss`` (None without it). Options of other tasks are refused."""
    if getattr(args, "repeats", None) is not None and not args.fss:
        raise CommandError("--repeats goes with --fss (seeds per lattice size); one run has one --seed")
    if getattr(args, "jobs", None) is not None and not args.fss:
        raise CommandError("--jobs goes with --fss (its runs in parallel processes); one run is one process")
    for attribute, flag in _NOT_FOR_ISING:
        if getattr(args, attribute, None):
            raise CommandError(f"{flag} does not apply to the ising task")
    if args.model is not None and args.model not in MODELS:
        raise CommandError(f"task ising has no model {args.model!r}; its models: {', '.join(MODELS)}")
    if args.fss and args.L is not None:
        raise CommandError("--fss trains at every size of --sizes (default 16,24,32); leave out --L")
    if args.sizes is not None and not args.fss:
        raise CommandError("--sizes is for --fss (finite-size scaling); for one lattice size give --L")
    if args.fss and args.resume:
        raise CommandError("--resume continues one run; --fss runs are not resumed")
    given = {
        "L": None if args.L is None else _lattice("--L", args.L),
        "epochs": _count("--epochs", args.epochs, 1),
        "seed": _count("--seed", args.seed, 0),
        "train_samples": _count("--samples", args.samples, 1),
        "test_samples": _count("--test-samples", args.test_samples, 1),
    }
    recipe = IsingRecipe(model=args.model or "cnn", **{k: v for k, v in given.items() if v is not None})
    return recipe, _sizes(args.sizes) if args.fss else None


def _default_out(recipe: IsingRecipe, fss: bool) -> Path:
    size = "fss" if fss else ("" if recipe.L == 16 else f"L{recipe.L}")
    return Path("runs") / "-".join(part for part in ("ising", recipe.model, size, f"seed{recipe.seed}") if part)


def _check_resumable(path: Path, recipe: IsingRecipe) -> None:
    """The checkpoint at ``path`` must be a run of this very recipe, epochs included: the cosine schedule was
    planned for its epochs, so ``--resume`` finishes an interrupted run rather than extending a finished one."""
    if not path.exists():
        raise CommandError(f"--resume: there is no {CHECKPOINT} in {path.parent}")
    try:
        meta = load_metadata(path)
    except ValueError as error:
        raise CommandError(str(error)) from None
    saved = meta.get("recipe")
    ours = {k: v for k, v in json.loads(json.dumps(asdict(recipe))).items() if k != "test_temperatures"}
    if meta.get("task") != "ising" or not isinstance(saved, dict):
        raise CommandError(f"{path} is a run of task {meta.get('task')!r}, not 'ising'")
    for key, value in ours.items():
        if saved.get(key) != value:
            raise CommandError(f"{path} is a run with {key} {saved.get(key)!r}, not {value!r}; resume it as it was "
                               "started, or choose another --out")  # fmt: skip


def _json_ready(value: Any) -> Any:
    """NaN and infinities (not JSON) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _json_ready(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


def _write_metrics(folder: Path, metrics: dict[str, Any], files: list[Path]) -> None:
    metrics["files"] = sorted({Path(f).name for f in files} | {METRICS})
    write_text(folder / METRICS, json.dumps(_json_ready(metrics), indent=1, allow_nan=False) + "\n")


def _run_line(run: IsingRun) -> str:
    r = run.recipe
    return (f"  L = {r.L:2d}  {r.model}  seed {r.seed}: T_c ≈ {run.critical_temperature:.4f} "
            f"({100 * run.relative_error:+.2f} %), accuracy {100 * run.accuracy:.1f} % "
            f"(far from T_c {100 * run.accuracy_far:.1f} %), {sum(run.seconds.values()):.1f} s")  # fmt: skip


def _single(recipe: IsingRecipe, folder: Path, args: argparse.Namespace) -> list[str]:
    checkpoint = folder / CHECKPOINT
    if args.resume:
        _check_resumable(checkpoint, recipe)
    try:
        run = train_phase_classifier(recipe, checkpoint=checkpoint, resume=args.resume, cache=not args.no_cache,
                                     progress=args.progress)  # fmt: skip
    except CheckpointError as error:
        raise CommandError(str(error)) from None
    except TrainingDiverged as error:
        raise CommandError(f"{error} (in {folder})") from None
    label = f"ising · {recipe.model} · L = {recipe.L}"
    files = [checkpoint, *plot_configurations(run.test, folder / "configurations")]
    files += plot_phase_curve(run, folder / "phase")
    files += plot_history(run.history, folder / "curves", f"{label}: training curves")
    if recipe.model == "cnn":
        files += plot_ising_filters(run.model, folder / "filters")
    metrics = run.metrics()
    _write_metrics(folder, metrics, files)
    r, far = run.recipe, FAR_FROM_CRITICAL
    return [
        f"ising · {r.model} ({metrics['architecture']}, {run.parameters:,} parameters) · L = {r.L} · seed {r.seed}",
        f"  trained on {len(r.train_temperatures)} temperatures in [{r.train_temperatures[0]:g}, "
        f"{r.train_temperatures[-1]:g}] × {r.train_samples} configurations, {len(run.history)} epochs (Adam, lr "
        f"{r.lr:g}, cosine, batch {r.batch_size}); tested on fresh chains at {len(r.test_temperatures)} "
        f"temperatures × {r.test_samples}",
        f"  critical_temperature = {run.critical_temperature:.4f}  (Onsager {CRITICAL_TEMPERATURE:.4f}: "
        f"{100 * run.relative_error:+.2f} %; crossings {', '.join(f'{c:.4f}' for c in run.crossing.crossings)})",
        f"  test accuracy {100 * run.accuracy:.1f} %, {100 * run.accuracy_far:.2f} % with |T − T_c| ≥ {far:g}; "
        f"train accuracy {100 * run.train_accuracy:.1f} %",
        f"  time: data {run.seconds['data']:.1f} s, training {run.seconds['train']:.1f} s, test "
        f"{run.seconds['test']:.1f} s",
        *_written(folder, metrics["files"]),
        f"  the model's table: tinygrad-cnn summary {checkpoint}",
    ]  # fmt: skip


def _fss_runs(recipe: IsingRecipe, args: argparse.Namespace) -> tuple[tuple[int, ...], int]:
    """The seeds of ``--fss`` (``--repeats`` of them from ``--seed`` on) and its processes (``--jobs``)."""
    count = _count("--repeats", getattr(args, "repeats", None), 1)
    jobs = _count("--jobs", getattr(args, "jobs", None), 1) or os.cpu_count() or 1
    return tuple(range(recipe.seed, recipe.seed + (FSS_SEEDS if count is None else count))), jobs


def _fss_checkpoint(folder: Path, L: int, seed: int) -> Path:
    return folder / f"checkpoint-L{L}-seed{seed}.npz"


def _scaling(recipe: IsingRecipe, sizes: tuple[int, ...], seeds: tuple[int, ...], jobs: int, folder: Path,
             args: argparse.Namespace) -> list[str]:  # fmt: skip
    which = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}..{seeds[-1]}"
    print(f"finite-size scaling · {recipe.model} · L = {', '.join(map(str, sizes))} · {which}", flush=True)
    result: ScalingRun = finite_size_scaling(
        recipe, sizes, seeds, checkpoint=partial(_fss_checkpoint, folder), cache=not args.no_cache,
        progress=args.progress, report=lambda run: print(_run_line(run), flush=True), workers=jobs,
    )  # fmt: skip
    fit = result.fit
    files = [_fss_checkpoint(folder, L, seed) for L in sizes for seed in seeds]
    spread = [[r.critical_temperature for r in result.runs[L]] for L in sizes]
    files += plot_finite_size_scaling(fit, folder / "fss", spread)
    files += plot_phase_curve([runs[0] for runs in result.runs.values()], folder / "phase")
    largest = result.runs[max(sizes)][0]
    files += plot_configurations(largest.test, folder / "configurations")
    if recipe.model == "cnn":
        files += plot_ising_filters(largest.model, folder / "filters")
    metrics = result.metrics()
    _write_metrics(folder, metrics, files)
    error = "" if fit.intercept_error is None else f" ± {fit.intercept_error:.4f}"
    return [
        f"  T_c(L) at L = {', '.join(map(str, sizes))}: {fit.crossings_text()}"
        + ("" if len(seeds) == 1 else f" (mean of {len(seeds)} seeds ± standard error)"),
        f"  critical_temperature = {fit.intercept:.4f}{error} (L → ∞, linear in 1/L; slope {fit.slope:+.3f}); "
        f"Onsager {CRITICAL_TEMPERATURE:.4f}: {100 * result.relative_error:+.2f} %",
        *_written(folder, metrics["files"]),
    ]


def _written(folder: Path, names: list[str]) -> list[str]:
    return [f"  wrote {folder}/:", *textwrap.wrap(", ".join(names), 100, initial_indent="    ",
                                                   subsequent_indent="    ")]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """``tinygrad-cnn train ising``: check the options, train (at every size with ``--fss``), write, print."""
    start = time.perf_counter()
    recipe, sizes = recipe_from_args(args)
    out = Path(args.out) if args.out else _default_out(recipe, sizes is not None)
    if sizes is None:
        keep = (METRICS, CHECKPOINT)
    else:
        seeds, jobs = _fss_runs(recipe, args)  # checked before the folder is made
        keep = (METRICS, *(_fss_checkpoint(out, L, seed).name for L in sizes for seed in seeds))
    prepare_folder(out, keep=keep, resume=args.resume)
    try:
        lines = _single(recipe, out, args) if sizes is None else _scaling(recipe, sizes, seeds, jobs, out, args)
    except KeyboardInterrupt:
        where = "--resume continues from the checkpoint of the last finished epoch" if sizes is None else \
            "--fss runs start again"  # fmt: skip
        raise CommandError(f"interrupted; nothing in {out} was overwritten but checkpoints, and {where}") from None
    lines.append(f"  total {time.perf_counter() - start:.1f} s")
    print("\n".join(lines))
    return 0
