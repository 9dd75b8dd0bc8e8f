"""All the benchmarks in one run, side by side with the peers, written as Markdown and JSON.

``python benchmarks/run.py [--quick] [--threads 2] [--repeats N] [--settle S] [--only conv,pool,...] [--out DIR]``

Sections (``--only`` picks some):

* ``conv``  — conv2d forward+backward on issue 13's eight shapes: ours, PyTorch (CPU), MyGrad;
* ``pool``  — max pooling forward+backward: ours, PyTorch;
* ``steps`` — a LeNet-5 training step (batch 64, 1×32×32, Adam), a tiny-CNN step (batch 32, 1×8×8) and a digits-CNN
  epoch (issue 10's recipe): ours, PyTorch;
* ``memory`` — peak RSS of the LeNet-5 step and of a digits-CNN epoch, each engine in a fresh process;
* ``value`` — the scalar engine per node against micrograd on its demo MLP (2-16-16-1 over 100 points, backward
  included), and ours alone on a 10^6-node chain (micrograd's recursive backward cannot walk it);
* ``derivations`` — every derivation's ``check()`` and ``verify()``, timed, each must pass;
* ``scripts`` — the other benchmark scripts, when present (``bench_training.py``: the MNIST-1D run and the digits
  epoch; ``bench_ising.py``; ``bench_ising_classifier.py``), and the tour (``--quick``, then in full, written to a
  scratch folder), each in its own process: wall and CPU time, exit status, its output.

Every tensor workload is first run once by each engine and the results compared (a fast wrong answer is no
result), then timed *interleaved* (rounds of three calls of each engine, each block after a pause of ``--settle``
seconds and one untimed call, so no engine shares the cores with another's spinning thread pool: see ``harness``),
in one process, with the same thread count for NumPy's BLAS and for torch (set before NumPy loads), in float32.
Medians of the calls, CPU time next to wall time, ratios ours/peer, the load average with every section (a
warning when the host is busy), and the issue's targets, met or missed. A peer that is not installed is skipped
and named. The benchmark is never part of the test suite's verdict (the suite runs it once with ``--quick`` to see
that it runs).

Results: ``DIR/results.md`` and ``DIR/results.json`` (``results-quick.*`` with ``--quick``); DIR defaults to
``benchmarks/results``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTIONS = ("conv", "pool", "steps", "memory", "value", "derivations", "scripts")
OTHER_SCRIPTS = ("bench_training.py", "bench_ising.py", "bench_ising_classifier.py")  # run when present


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few repeats: a smoke test, not a measurement")
    parser.add_argument("--threads", type=int, default=2, help="threads for NumPy's BLAS and for torch (default 2)")
    parser.add_argument("--repeats", type=int, default=None, help="timed calls per engine (default 15, quick 2)")
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds of pause before each engine's block of calls (default 0.25, quick 0)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {', '.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="directory for results.md and .json")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    args.repeats = args.repeats or (2 if args.quick else 15)
    if args.settle is None and args.quick:
        args.settle = 0.0  # (else the harness's default, once it is imported)
    if args.settle is not None and args.settle < 0:
        parser.error(f"--settle must be at least 0 seconds, got {args.settle}")
    return args


ARGS = parse_args()
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = str(ARGS.threads)  # before NumPy (and torch) load their thread pools

import numpy as np  # noqa: E402

sys.path.insert(0, str(ROOT))  # time this checkout, even if not installed
sys.path.insert(0, str(HERE))
import harness  # noqa: E402

if ARGS.settle is None:
    ARGS.settle = harness.SETTLE_S
import workloads  # noqa: E402

from tinygrad_cnn.files import write_text  # noqa: E402


def optional(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


torch = optional("torch")
if torch is not None:
    torch.set_num_threads(ARGS.threads)
mygrad = optional("mygrad")
micrograd = optional("micrograd.engine")

TARGETS = {  # issue 13: (what, limit, direction)
    "conv_geomean": ("conv2d fwd+bwd, geometric mean of ours/PyTorch over the eight shapes", 1.5, "≤"),
    "conv_worst": ("conv2d fwd+bwd, the slowest shape's ours/PyTorch", 2.5, "≤"),
    "conv_vs_mygrad": ("conv2d fwd+bwd, geometric mean of MyGrad/ours (times faster than MyGrad)", 3.0, "≥"),
    "pool": ("max pooling fwd+bwd, ours/PyTorch (the slower shape)", 1.2, "≤"),
    "lenet": ("LeNet-5 training step, ours/PyTorch", 1.3, "≤"),
    "tiny": ("tiny-CNN training step, ours/PyTorch", 1.0, "≤"),
    "digits": ("digits CNN epoch, ours/PyTorch", 1.5, "≤"),
    "value": ("scalar engine per node on micrograd's demo, micrograd/ours (times faster)", 2.0, "≥"),
    "memory": ("peak RSS of the LeNet-5 step, ours/PyTorch", 1.0, "≤"),
}


# ---- the tensor workloads: check, then time interleaved ----


def run_cases(cases: list[workloads.Case]) -> list[dict]:
    rows = []
    for case in cases:
        first = {name: fn() for name, fn in case.engines.items()}
        for name, arrays in first.items():  # the claimed precision: a float64 input slips in easily (it did)
            dtypes = {str(np.asarray(a).dtype) for a in arrays}
            if case.dtype is not None and dtypes != {case.dtype}:
                raise RuntimeError(f"{case.group} {case.name}: {name} computed in {', '.join(sorted(dtypes))}, "
                                   f"not {case.dtype}")  # fmt: skip
        for name, arrays in first.items():
            if name == "ours":
                continue
            for ours, theirs in zip(first["ours"], arrays):
                np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=case.rtol, atol=case.atol,
                                           err_msg=f"{case.group} {case.name}: ours and {name} disagree")  # fmt: skip
        timings = harness.interleaved(case.engines, ARGS.repeats, settle=ARGS.settle)
        ours = timings["ours"].median
        ratios = {f"ours/{name}": ours / t.median for name, t in timings.items() if name != "ours"}
        spread = {f"ours/{name}": harness.round_ratio_quartiles(timings["ours"], t)
                  for name, t in timings.items() if name != "ours"}  # fmt: skip
        rows.append({"group": case.group, "name": case.name, "load": harness.load(), "notes": case.notes,
                     "engines": {name: t.as_dict() for name, t in timings.items()}, "ratios": ratios,
                     "ratio_quartiles": spread})  # fmt: skip
        print(f"  {case.name}: " + ", ".join(f"{n} {t.median * 1e3:.2f} ms" for n, t in timings.items())
              + "".join(f"; {k} {v:.2f}" for k, v in ratios.items()), flush=True)  # fmt: skip
    return rows


def section_conv() -> dict:
    rows = run_cases(workloads.conv_cases(torch, mygrad, ARGS.quick))
    torch_ratios = [r["ratios"]["ours/torch"] for r in rows if "ours/torch" in r["ratios"]]
    mygrad_speedups = [1 / r["ratios"]["ours/mygrad"] for r in rows if "ours/mygrad" in r["ratios"]]
    return {"rows": rows, "geomean_ours/torch": harness.geomean(torch_ratios),
            "worst_ours/torch": max(torch_ratios, default=float("nan")),
            "geomean_mygrad/ours": harness.geomean(mygrad_speedups),
            "mygrad_note": f"over the {len(mygrad_speedups)} shapes MyGrad's conv_nd takes"}  # fmt: skip


def section_pool() -> dict:
    rows = run_cases(workloads.pool_cases(torch, ARGS.quick))
    return {"rows": rows, "worst_ours/torch": max((r["ratios"].get("ours/torch", float("nan")) for r in rows),
                                                  default=float("nan"))}  # fmt: skip


def section_steps() -> dict:
    rows = run_cases(workloads.step_cases(torch, ARGS.quick))
    return {"rows": rows}


MEMORY_WORKLOADS = {"lenet5": "LeNet-5 step", "digits-epoch": "digits-CNN epoch"}


def section_memory() -> dict:
    batch, steps = (4, 1) if ARGS.quick else (64, 3)
    arguments = {"lenet5": ["lenet5", str(batch), "--steps", str(steps)],
                 "digits-epoch": ["digits-epoch", "--steps", "1" if ARGS.quick else "2",
                                  *(["--quick"] if ARGS.quick else [])]}  # fmt: skip
    engines = ["ours"] + (["torch"] if torch is not None else [])
    workloads_run, ratios = {}, {}
    for workload, label in MEMORY_WORKLOADS.items():
        results = workloads_run[workload] = {}
        for engine in engines:
            done = subprocess.run([sys.executable, str(HERE / "memory_probe.py"), engine, *arguments[workload],
                                   "--threads", str(ARGS.threads)],
                                  capture_output=True, text=True, timeout=600, cwd=ROOT)  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"memory probe ({engine}, {workload}) failed:\n{done.stderr[-2000:]}")
            results[engine] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"  {label}, {engine}: peak RSS {results[engine]['peak_rss_mib']:.0f} MiB", flush=True)
        ratios[workload] = (results["ours"]["peak_rss_mib"] / results["torch"]["peak_rss_mib"]
                            if "torch" in results else float("nan"))  # fmt: skip
    return {"workloads": workloads_run, "ratios": ratios, "ours/torch": ratios["lenet5"], "load": harness.load()}


def section_value() -> dict:
    import bench_value

    from tinygrad_cnn import Value

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))  # micrograd's backward recurses
    points, chain_steps = (10, 5_000) if ARGS.quick else (100, 500_000)
    engines = {"ours": Value}
    if micrograd is not None:
        engines["micrograd"] = micrograd.Value
    times: dict[str, dict[str, list[float]]] = {name: {"build": [], "backward": []} for name in engines}
    roots = {name: bench_value.mlp_loss(V, points) for name, V in engines.items()}
    nodes = {name: bench_value.count_nodes(root) for name, root in roots.items()}
    if "micrograd" in roots:
        assert nodes["ours"] == nodes["micrograd"], nodes
        assert abs(roots["ours"].data - roots["micrograd"].data) <= 1e-12 * max(1.0, abs(roots["micrograd"].data))
    del roots
    repeats = max(ARGS.repeats // 3, 2)
    for round_ in range(repeats):
        names = list(engines)[round_ % len(engines) :] + list(engines)[: round_ % len(engines)]
        for name in names:
            harness.gc.collect()
            start = time.perf_counter()
            root = bench_value.mlp_loss(engines[name], points)
            built = time.perf_counter()
            root.backward()
            done = time.perf_counter()
            times[name]["build"].append(built - start)
            times[name]["backward"].append(done - built)
            del root
    per_node = {name: {part: float(np.median(t)) / nodes[name] * 1e6 for part, t in parts.items()}
                for name, parts in times.items()}  # fmt: skip
    for name in per_node:
        per_node[name]["total"] = per_node[name]["build"] + per_node[name]["backward"]
        print(f"  MLP, {name}: " + ", ".join(f"{k} {v:.2f} µs/node" for k, v in per_node[name].items()), flush=True)
    speedup = {part: per_node["micrograd"][part] / per_node["ours"][part] for part in ("build", "backward", "total")}
    speedup = speedup if "micrograd" in per_node else {}
    harness.gc.collect()
    start = time.perf_counter()
    chain = bench_value.chain(Value, chain_steps)
    built = time.perf_counter()
    chain.backward()
    done = time.perf_counter()
    chain_nodes = bench_value.count_nodes(chain)
    del chain
    long = {"nodes": chain_nodes, "build_us_per_node": (built - start) / chain_nodes * 1e6,
            "backward_us_per_node": (done - built) / chain_nodes * 1e6, "total_s": done - start}  # fmt: skip
    print(f"  chain of {chain_nodes:,} nodes, ours: {long['total_s']:.2f} s", flush=True)
    return {"mlp_nodes": nodes["ours"], "points": points, "per_node_us": per_node, "micrograd/ours": speedup,
            "chain": long, "load": harness.load()}  # fmt: skip


def section_derivations() -> dict:
    start = time.perf_counter()
    import derivations

    rows = []
    for d in derivations.all():
        t0 = time.perf_counter()
        checked = d.check()  # raises DerivationError on a failed step
        t1 = time.perf_counter()
        report = d.verify()  # raises VerificationError on a mismatch with the engine
        t2 = time.perf_counter()
        rows.append({"name": d.name, "check_s": t1 - t0, "verify_s": t2 - t1, "grid_points": checked.grid_points,
                     "verify_cases": report.cases, "passed": True})  # fmt: skip
    total = sum(r["check_s"] + r["verify_s"] for r in rows)
    print(f"  {len(rows)} derivations checked and verified in {total:.2f} s", flush=True)
    return {"rows": rows, "total_s": total, "with_import_s": time.perf_counter() - start, "load": harness.load()}


def section_scripts() -> dict:
    with tempfile.TemporaryDirectory(prefix="tour-benchmark-") as scratch:  # the tours' reports, then removed
        return _run_scripts(scratch)


def _run_scripts(scratch: str) -> dict:
    runs = {}
    commands = {name: [sys.executable, str(HERE / name), *(["--quick"] if ARGS.quick else [])]
                for name in OTHER_SCRIPTS if (HERE / name).is_file()}  # fmt: skip
    missing = [name for name in OTHER_SCRIPTS if name not in commands]
    if not ARGS.quick:  # the tour as a user runs it, quick and full (not into the user's own tour-report/)
        commands["tour --quick"] = [sys.executable, "-m", "tinygrad_cnn", "tour", "--quick", "--out", scratch]
        commands["tour"] = [sys.executable, "-m", "tinygrad_cnn", "tour", "--out", scratch]
    for name, command in commands.items():
        if "--threads" in (HERE / name).read_text(encoding="utf-8") if name.endswith(".py") else False:
            command = [*command, "--threads", str(ARGS.threads)]
        before = os.times()
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=ROOT)
        wall = time.perf_counter() - start
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        runs[name] = {"command": " ".join(Path(c).name if c == sys.executable else c for c in command),
                      "returncode": done.returncode, "wall_s": wall, "cpu_s": cpu, "load": harness.load(),
                      "output": done.stdout[-6000:],
                      "stderr": done.stderr[-2000:] if done.returncode else ""}  # fmt: skip
        print(f"  {name}: exit {done.returncode}, {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return {"runs": runs, "missing": missing}


# ---- targets and the report ----


def targets(results: dict) -> list[dict]:
    s = results["sections"]
    reached = {}
    if "conv" in s:
        reached["conv_geomean"] = s["conv"]["geomean_ours/torch"]
        reached["conv_worst"] = s["conv"]["worst_ours/torch"]
        reached["conv_vs_mygrad"] = s["conv"]["geomean_mygrad/ours"]
    if "pool" in s:
        reached["pool"] = s["pool"]["worst_ours/torch"]
    if "steps" in s:
        for row, key in zip(s["steps"]["rows"], ("lenet", "tiny", "digits")):
            reached[key] = row["ratios"].get("ours/torch", float("nan"))
    if "value" in s:
        reached["value"] = s["value"]["micrograd/ours"].get("total", float("nan"))
    if "memory" in s:
        reached["memory"] = s["memory"]["ours/torch"]
    out = []
    for key, value in reached.items():
        what, limit, direction = TARGETS[key]
        met = (value <= limit if direction == "≤" else value >= limit) if np.isfinite(value) else None
        out.append({"target": key, "what": what, "limit": f"{direction} {limit}", "reached": value, "met": met})
    return out


def markdown(results: dict) -> str:
    m, s = results["machine"], results["sections"]
    lines = [
        f"# Benchmarks{' (--quick: a smoke test, not a measurement)' if results['quick'] else ''}",
        "",
        f"{results['started']}, {m['cpu_model']}, {m['cores']} cores, {m['platform']}; Python {m['python']}, "
        f"NumPy {m['numpy']}; peers: " + ", ".join(f"{k} {v}" for k, v in results["peers"].items()) + ".",
        f"Threads: {results['threads']} (BLAS and torch); float32; {results['repeats']} calls per engine, in blocks "
        f"of up to {harness.BLOCK}, each after a {results.get('settle', 0):g} s pause; medians; "
        f"load at start: {results['load_start']}; at end: {results['load_end']}.",
        f"Command: `{results['command']}`",
        "",
    ]
    if results["targets"]:
        lines += ["## Issue 13's targets", "", "| target | needs | reached | met |", "|---|---|---|---|"]
        for t in results["targets"]:
            verdict = {True: "yes", False: "**no**", None: "n/a (peer missing)"}[t["met"]]
            lines.append(f"| {t['what']} | {t['limit']} | {t['reached']:.2f} | {verdict} |")
        lines.append("")
    for key, title in (("conv", "conv2d forward + backward"), ("pool", "max pooling forward + backward"),
                       ("steps", "training steps")):  # fmt: skip
        if key not in s:
            continue
        rows = s[key]["rows"]
        engines = sorted({e for r in rows for e in r["engines"]}, key=["ours", "torch", "mygrad"].index)
        lines += [f"## {title}", "", "| workload | " + " | ".join(f"{e} ms (CPU ms)" for e in engines)
                  + " | " + " | ".join(f"ours/{e}" for e in engines[1:]) + " | load |",
                  "|---" * (2 + 2 * len(engines) - 1) + "|"]  # fmt: skip
        for r in rows:
            cells = [f"{r['engines'][e]['median_s'] * 1e3:.2f} ({r['engines'][e]['median_cpu_s'] * 1e3:.2f})"
                     if e in r["engines"] else "—" for e in engines]  # fmt: skip
            ratios = [_ratio_cell(r, f"ours/{e}") for e in engines[1:]]
            lines.append(f"| {r['name']} | " + " | ".join(cells + ratios) + f" | {r['load'][0]:.2f} |")
        notes = sorted({f"{r['name']}: {note}" for r in rows for note in r.get("notes", [])})
        lines += ["", *(f"- {note}" for note in notes)] if notes else []
        lines += ["", "A ratio is the ratio of the medians; in brackets, the quartiles of the ratios of the i-th calls "
                  "(in the same round): how much the host's noise moves it."]  # fmt: skip
        if key == "conv":
            lines += ["", f"Geometric mean ours/torch {s['conv']['geomean_ours/torch']:.2f}, slowest shape "
                      f"{s['conv']['worst_ours/torch']:.2f}; MyGrad/ours {s['conv']['geomean_mygrad/ours']:.2f} "
                      f"({s['conv']['mygrad_note']})."]  # fmt: skip
        lines.append("")
    if "memory" in s:
        lines += ["## Peak memory (RSS), each engine in a fresh process", "",
                  "| workload | engine | after set-up MiB | after the steps MiB | ours/torch |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for workload, engines in s["memory"]["workloads"].items():
            ratio = s["memory"]["ratios"][workload]
            for engine, r in engines.items():
                shown_ratio = f"{ratio:.2f}" if engine == "ours" and math.isfinite(ratio) else ""
                unit = "epoch" if workload == "digits-epoch" else "step"
                runs = f"{r['steps']} {unit}{'s' if r['steps'] != 1 else ''}"
                runs = runs if workload == "digits-epoch" else f"batch {r['batch']}, {runs}"
                lines.append(f"| {MEMORY_WORKLOADS[workload]} ({runs}) | {engine} | {r['peak_rss_mib_setup']:.0f} | "
                             f"{r['peak_rss_mib']:.0f} | {shown_ratio} |")  # fmt: skip
        lines.append("")
    if "value" in s:
        v = s["value"]
        lines += [f"## Scalar engine: micrograd's demo MLP 2-16-16-1 over {v['points']} points "
                  f"({v['mlp_nodes']:,} nodes), µs per node", "",
                  "| engine | build | backward | total |", "|---|---|---|---|"]  # fmt: skip
        for engine, t in v["per_node_us"].items():
            lines.append(f"| {engine} | {t['build']:.2f} | {t['backward']:.2f} | {t['total']:.2f} |")
        if v["micrograd/ours"]:
            lines.append("| micrograd/ours | " + " | ".join(f"{v['micrograd/ours'][p]:.2f}×"
                                                           for p in ("build", "backward", "total")) + " |")  # fmt: skip
        c = v["chain"]
        lines += ["", f"Chain of {c['nodes']:,} nodes (ours alone): build {c['build_us_per_node']:.2f} µs/node, "
                  f"backward {c['backward_us_per_node']:.2f} µs/node, {c['total_s']:.2f} s in all.", ""]  # fmt: skip
    if "derivations" in s:
        d = s["derivations"]
        lines += [f"## Derivations: {len(d['rows'])} checked and verified in {d['total_s']:.2f} s "
                  f"({d['with_import_s']:.2f} s with the imports)", "",
                  "| derivation | check s | verify s | grid points | engine cases |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for r in d["rows"]:
            lines.append(f"| {r['name']} | {r['check_s']:.3f} | {r['verify_s']:.3f} | {r['grid_points']} | "
                         f"{r['verify_cases']} |")  # fmt: skip
        lines.append("")
    if "scripts" in s:
        lines += ["## Other benchmark scripts and the tour", ""]
        for name, r in s["scripts"]["runs"].items():
            lines += [f"### {name}: exit {r['returncode']}, {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, "
                      f"load {r['load'][0]:.2f}", "", f"`{r['command']}`", "", "```", r["output"].rstrip()[-3000:],
                      "```", ""]  # fmt: skip
        if s["scripts"]["missing"]:
            lines += [f"Not present in this checkout (skipped): {', '.join(s['scripts']['missing'])}.", ""]
    return "\n".join(lines)


def _ratio_cell(row: dict, key: str) -> str:
    if key not in row["ratios"]:
        return "—"
    low, high = row.get("ratio_quartiles", {}).get(key, (None, None))
    return f"{row['ratios'][key]:.2f}" + (f" ({low:.2f}–{high:.2f})" if low is not None else "")


def main() -> int:
    results: dict = {
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:]),
        "quick": ARGS.quick, "threads": ARGS.threads, "repeats": ARGS.repeats, "settle": ARGS.settle,
        "machine": harness.machine(),
        "peers": {"torch": torch.__version__ if torch else "missing",
                  "mygrad": mygrad.__version__ if mygrad else "missing",
                  "micrograd": "installed" if micrograd else "missing"},
        "load_start": harness.load_note(), "sections": {},
    }  # fmt: skip
    missing = [name for name, version in results["peers"].items() if version == "missing"]
    print(f"threads {ARGS.threads}, {ARGS.repeats} calls, {ARGS.settle:g} s pauses; {results['load_start']}"
          + (f"; skipped peers (not installed): {', '.join(missing)}" if missing else ""), flush=True)  # fmt: skip
    for name in ARGS.sections:
        print(f"[{name}] {harness.load_note()}", flush=True)
        results["sections"][name] = globals()[f"section_{name}"]()
    results["load_end"] = harness.load_note()
    results["targets"] = targets(results)
    for t in results["targets"]:
        verdict = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
        print(f"target {t['what']}: {t['reached']:.2f} (needs {t['limit']}) {verdict}")
    stem = "results-quick" if ARGS.quick else "results"
    ARGS.out.mkdir(parents=True, exist_ok=True)
    write_text(ARGS.out / f"{stem}.json", json.dumps(results, indent=1, default=float))
    write_text(ARGS.out / f"{stem}.md", markdown(results))
    print(f"wrote {ARGS.out / stem}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
