"""``tinygrad-cnn train``: train a task's model into a folder (metrics JSON, checkpoint, plots) and print a
one-screen summary; ``train mnist1d --table`` trains the paper's rows and prints its table.

Nothing earlier in the folder is lost: a folder that already holds a run is refused unless ``--resume``
continues it, every file is written atomically, and a failure (bad arguments, an unwritable folder, a
checkpoint of another model, a diverging loss) is one line and a non-zero exit.

Examples:
    >>> _count("--epochs", "12", 1)
    12
    >>> _count("--epochs", "twelve", 1)
    Traceback (most recent call last):
    ...
    tinygrad_cnn.subcommands.CommandError: --epochs must be an integer ≥ 1, got 'twelve'
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import statistics
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.rng import manual_seed
from ..files import write_text
from ..models.architectures import ARCHITECTURES, build
from ..serialization import load_metadata
from ..subcommands import CommandError
from .checkpoint import CheckpointError
from .ising_command import ising_options_given
from .loop import TrainingDiverged, evaluate, fit, predict
from .metrics import History, confusion_matrix
from .recipes import MNIST1D, MNIST1D_REFERENCE, Task, epochs_for
from .tasks import TASKS

__all__ = ["run_command", "train_task", "mnist1d_table", "format_table", "load_task"]

CHECKPOINT = "checkpoint.npz"
METRICS = "metrics.json"
TABLE = "table.json"


# ---- arguments -------------------------------------------------------------------------------------------------
def _count(flag: str, value: str | int | None, low: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number < low or str(value).strip() != str(number):
        raise CommandError(f"{flag} must be an integer ≥ {low}, got {value!r}")
    return number


def load_task(name: str) -> Task:
    """The :class:`~tinygrad_cnn.train.recipes.Task` registered as ``name`` in :data:`TASKS`."""
    if name not in TASKS:
        raise CommandError(f"unknown task {name!r}; known: {', '.join(TASKS)}")
    module, _, attribute = TASKS[name][0].partition(":")
    return getattr(importlib.import_module(module), attribute)


def _folder(out: Path, *, keep: tuple[str, ...], resume: bool) -> None:
    """Make ``out`` (with parents) and check that we can write there, before any training."""
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise CommandError(f"cannot write into {out}: {error.strerror or error}") from None
    present = [name for name in keep if (out / name).exists()]
    if present and not resume:
        raise CommandError(f"{out} already holds a run ({', '.join(present)}); --resume continues it, or choose "
                           "another --out")  # fmt: skip


# ---- one task --------------------------------------------------------------------------------------------------
def _resumed_choices(path: Path, task: Task, model: str | None, seed: int | None, shuffle_seq: bool
                     ) -> tuple[str, int, bool]:  # fmt: skip
    """The model, seed and shuffle_seq of the run saved at ``path``, checked against what was asked."""
    if not path.exists():
        raise CommandError(f"--resume: there is no {CHECKPOINT} in {path.parent}")
    try:
        meta = load_metadata(path)
    except ValueError as error:
        raise CommandError(str(error)) from None
    saved = {"task": meta.get("task"), "model": meta.get("model"), "seed": meta.get("seed"),
             "shuffle_seq": meta.get("shuffle_seq")}  # fmt: skip
    if saved["task"] != task.name:
        raise CommandError(f"{path} is a run of task {saved['task']!r}, not {task.name!r}")
    asked = {"model": model, "seed": seed, "shuffle_seq": shuffle_seq or None}
    for key, value in asked.items():
        if value is not None and value != saved[key]:
            raise CommandError(f"{path} is a run with {key} {saved[key]!r}, not {value!r}; resume it as it was "
                               "started, or choose another --out")  # fmt: skip
    if saved["model"] not in task.models or not isinstance(saved["seed"], int):
        raise CommandError(f"{path}: its model {saved['model']!r} or seed {saved['seed']!r} is not one of this task's")
    return saved["model"], saved["seed"], bool(saved["shuffle_seq"])


def train_task(task: Task, model_name: str | None = None, *, seed: int | None = None, out: str | os.PathLike,
               epochs: int | None = None, steps: int | None = None, resume: bool = False, shuffle_seq: bool = False,
               progress: bool | None = None) -> dict[str, Any]:  # fmt: skip
    """Train ``task``'s model into the folder ``out``; return the metrics (also in ``out/metrics.json``)."""
    out = Path(out)
    if model_name is not None and model_name not in task.models:
        raise CommandError(f"task {task.name} has no model {model_name!r}; its models: {', '.join(task.models)}")
    if shuffle_seq and not task.shuffle_seq:
        raise CommandError(f"--shuffle-seq applies to mnist1d, not {task.name}")
    if epochs is not None and steps is not None:
        raise CommandError("give --epochs or --steps, not both")
    _folder(out, keep=(CHECKPOINT, METRICS), resume=resume)
    if resume:
        model_name, seed, shuffle_seq = _resumed_choices(out / CHECKPOINT, task, model_name, seed, shuffle_seq)
    model_name, seed = model_name or task.models[0], 0 if seed is None else seed
    recipe = task.recipe
    if epochs is None and steps is None:
        epochs, steps = recipe.epochs, recipe.steps

    splits = task.load(seed, shuffle_seq)
    manual_seed(seed)
    model = build(ARCHITECTURES[model_name], generator=np.random.default_rng(seed))
    optimizer = recipe.optimizer(model)
    batches = math.ceil(len(splits.train) / recipe.batch_size)
    scheduler = recipe.scheduler(optimizer, epochs if epochs is not None else epochs_for(steps, batches))
    label = f"{task.name} · {model_name}" + (" · shuffled" if shuffle_seq else "")
    metadata = {"task": task.name, "model": model_name, "seed": seed, "shuffle_seq": shuffle_seq}
    try:
        history = fit(model, splits.train, splits.val, optimizer=optimizer, epochs=epochs, steps=steps,
                      batch_size=recipe.batch_size, seed=seed, scheduler=scheduler, checkpoint=out / CHECKPOINT,
                      resume=resume, metadata=metadata, progress=progress)  # fmt: skip
    except CheckpointError as error:
        raise CommandError(str(error)) from None
    except TrainingDiverged as error:
        raise CommandError(f"{error} (in {out})") from None

    metrics = _metrics(task, model, model_name, splits, history, seed, shuffle_seq)
    files = [CHECKPOINT, METRICS]
    if task.draw is not None:
        files += [path.name for path in task.draw(model, splits, history, out, label)]
    metrics["files"] = files
    write_text(out / METRICS, json.dumps(metrics, indent=1) + "\n")
    return metrics


def _metrics(task: Task, model: Any, model_name: str, splits: Any, history: History, seed: int,
             shuffle_seq: bool) -> dict[str, Any]:  # fmt: skip
    seconds = sum(record["seconds"] for record in history.records)
    full_epochs = [r["seconds"] for r in history.records if r["batches"] == max(h["batches"] for h in history.records)]
    metrics: dict[str, Any] = {
        "task": task.name, "model": model_name, "title": ARCHITECTURES[model_name].title,
        "parameters": model.num_parameters(), "seed": seed, "shuffle_seq": shuffle_seq,
        "recipe": task.recipe.describe(), "epochs": len(history), "steps": history.last["steps"],
        "seconds": seconds, "seconds_per_epoch": statistics.median(full_epochs) if full_epochs else None,
        "stopped": history.stopped,
    }  # fmt: skip
    for part in ("train", "val", "test"):
        data = getattr(splits, part)
        metrics[part] = evaluate(model, data) if len(data) else {"loss": None, "accuracy": None}
    if task.classification and len(splits.test):
        predicted = predict(model, splits.test).argmax(axis=1)
        metrics["confusion_matrix"] = confusion_matrix(splits.test.y, predicted, len(splits.test.classes) or None
                                                       ).tolist()  # fmt: skip
    if task.extras is not None:
        metrics.update(task.extras(model, splits))
    metrics["history"] = history.to_dict()
    return metrics


def format_summary(metrics: dict[str, Any], out: Path) -> str:
    """The one-screen summary of :func:`train_task`'s metrics."""
    steps, epochs = metrics["steps"], metrics["epochs"]
    per_epoch = metrics["seconds_per_epoch"]
    lines = [
        f"{metrics['task']} · {metrics['model']} ({metrics['title']}, {metrics['parameters']:,} parameters) · "
        f"seed {metrics['seed']}" + (" · shuffled positions" if metrics["shuffle_seq"] else ""),
        f"{metrics['recipe']} · {epochs} epoch{'s' if epochs != 1 else ''} ({steps:,} steps) in "
        f"{metrics['seconds']:.1f} s" + (f" ({per_epoch:.2f} s per epoch)" if per_epoch else ""),
        "",
        f"{'':6}{'loss':>10}" + (f"{'accuracy':>11}" if metrics["train"]["accuracy"] is not None else ""),
    ]  # fmt: skip
    for part in ("train", "val", "test"):
        scores = metrics[part]
        if scores["loss"] is None:
            lines.append(f"{part:6}{'(none)':>10}")
            continue
        accuracy = "" if scores["accuracy"] is None else f" {scores['accuracy']:10.2%}"
        lines.append(f"{part:6}{scores['loss']:10.4g}{accuracy}")
    if "shifted_test_accuracy" in metrics:
        lines.append(f"test images shifted by one pixel: {metrics['shifted_test_accuracy']:.2%} "
                     "(mean of right, left, down, up)")  # fmt: skip
    if "max_abs_error_vs_sobel" in metrics:
        kernel = np.array(metrics["learned_kernel"])
        rows = ["  [" + " ".join(f"{v:+.3f}" for v in row) + "]" for row in kernel]
        lines += ["learned kernel (Sobel x is [+1 0 -1] [+2 0 -2] [+1 0 -1]):", *rows,
                  f"max |learned − Sobel| = {metrics['max_abs_error_vs_sobel']:.2e}"]  # fmt: skip
    lines += ["", f"stopped: {metrics['stopped']}", f"wrote {out}/:",
              *textwrap.wrap(", ".join(metrics["files"]), 100, initial_indent="  ", subsequent_indent="  ")]
    return "\n".join(lines)


# ---- the MNIST-1D table ----------------------------------------------------------------------------------------
TABLE_ROWS = ("mnist1d_logistic", "mnist1d_mlp", "mnist1d_cnn")


def mnist1d_table(seeds: tuple[int, ...] = (0,), steps: int | None = None, progress: bool | None = None
                  ) -> dict[str, Any]:  # fmt: skip
    """Train the paper's rows (logistic regression, MLP, CNN, each on plain and shuffled signals) with its
    recipe; return per row the test accuracies of every seed, their median, and the seconds per run."""
    recipe = MNIST1D.recipe
    steps = recipe.steps if steps is None else steps
    rows = {}
    for name in TABLE_ROWS:
        row: dict[str, Any] = {"parameters": build(ARCHITECTURES[name]).num_parameters(), **MNIST1D_REFERENCE[name]}
        for shuffled in (False, True):
            key = "shuffled" if shuffled else "plain"
            accuracies, seconds = [], []
            for seed in seeds:
                splits = MNIST1D.load(seed, shuffled)
                manual_seed(seed)
                model = build(ARCHITECTURES[name], generator=np.random.default_rng(seed))
                start = time.perf_counter()
                fit(model, splits.train, None, optimizer=recipe.optimizer(model), steps=steps,
                    batch_size=recipe.batch_size, seed=seed, progress=progress)  # fmt: skip
                seconds.append(time.perf_counter() - start)
                accuracies.append(evaluate(model, splits.test)["accuracy"])
            row[key] = {"accuracies": accuracies, "median": statistics.median(accuracies),
                        "seconds": statistics.median(seconds)}  # fmt: skip
        rows[name] = row
    return {"seeds": list(seeds), "steps": steps, "recipe": f"{recipe.describe()}, {steps:,} steps", "rows": rows}


def format_table(table: dict[str, Any]) -> str:
    """The paper's table with our medians beside its numbers and PyTorch's."""
    names = {"mnist1d_logistic": "logistic regression", "mnist1d_mlp": "MLP 40-100-100-10",
             "mnist1d_cnn": "CNN (3 conv1d)"}  # fmt: skip
    header = ["model", "params", "ours", "shuffled", "paper", "shuffled", "PyTorch", "s/run"]
    body = []
    for name, row in table["rows"].items():
        body.append([names.get(name, name), f"{row['parameters']:,}", f"{row['plain']['median']:.1%}",
                     f"{row['shuffled']['median']:.1%}", f"{row['paper']:.0%}", f"{row['paper_shuffled']:.0%}",
                     f"{row['pytorch']:.1%}", f"{row['plain']['seconds']:.1f}"])  # fmt: skip
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    seeds = table["seeds"]
    which = f"median of seeds {', '.join(map(str, seeds))}" if len(seeds) > 1 else f"seed {seeds[0]}"
    return "\n".join([
        f"MNIST-1D test accuracy, {which}; {table['recipe']}", "", line(header), "  ".join("-" * w for w in widths),
        *map(line, body), "",
        "paper: Greydanus 2020, its table ('shuffled' permutes the 40 positions of every signal); PyTorch: the "
        "same recipe in PyTorch 2.13 on 2 threads, median of 3 seeds, plain signals",
    ])  # fmt: skip


# ---- the command -----------------------------------------------------------------------------------------------
def run_command(args: argparse.Namespace) -> int:
    """``tinygrad-cnn train``: validate the arguments, train, write, print."""
    task = load_task(args.task)
    if not isinstance(task, Task):
        return task(args)  # a task with a command of its own: ising (--L, --fss)
    if ising_options_given(args):
        raise CommandError(f"{', '.join(ising_options_given(args))}: options of the ising task, not of {task.name}")
    epochs, steps = _count("--epochs", args.epochs, 1), _count("--steps", args.steps, 1)
    seed, repeats = _count("--seed", args.seed, 0), _count("--repeats", args.repeats, 1)
    progress = args.progress
    if args.table:
        return _run_table(task, args, epochs, steps, seed, repeats, progress)
    if repeats is not None:
        raise CommandError("--repeats goes with --table")
    out = Path(args.out) if args.out else Path("runs") / "-".join(
        [task.name, args.model or task.models[0], *(["shuffled"] if args.shuffle_seq else []), f"seed{seed or 0}"]
    )  # fmt: skip
    try:
        metrics = train_task(task, args.model, seed=seed, out=out, epochs=epochs, steps=steps, resume=args.resume,
                             shuffle_seq=args.shuffle_seq, progress=progress)  # fmt: skip
    except KeyboardInterrupt:
        raise CommandError(f"interrupted; the checkpoint of the last finished epoch is in {out}, and --resume "
                           "continues from it") from None  # fmt: skip
    print(format_summary(metrics, out))
    return 0


def _run_table(task: Task, args: argparse.Namespace, epochs: int | None, steps: int | None, seed: int | None,
               repeats: int | None, progress: bool | None) -> int:  # fmt: skip
    if task.name != "mnist1d":
        raise CommandError(f"--table is the MNIST-1D paper's table; not for {task.name}")
    for flag, given in (("--model", args.model), ("--resume", args.resume), ("--shuffle-seq", args.shuffle_seq),
                        ("--epochs", epochs)):  # fmt: skip
        if given:
            raise CommandError(f"--table trains every row on plain and shuffled signals for --steps; {flag} does not "
                               "apply")  # fmt: skip
    out = Path(args.out or "runs/mnist1d-table")
    _folder(out, keep=(TABLE,), resume=False)
    first = seed or 0
    table = mnist1d_table(tuple(range(first, first + (repeats or 1))), steps, progress=progress)
    text = format_table(table)
    write_text(out / TABLE, json.dumps(table, indent=1) + "\n")
    print(f"{text}\n\nwrote {out / TABLE}")
    return 0
