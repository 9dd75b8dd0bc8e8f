"""The command line over many bad inputs: every one ends with exactly one line on stderr and a non-zero exit
status, never a traceback; text that came from a file or an argument reaches the terminal escaped. Crafted
architectures in checkpoints are refused by the layer checks (negative or zero sizes, stride 0, groups 0) or
summarised without cost (10^9 adaptive-pool bins)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_cnn import Tensor, cli, save

ROOT = Path(__file__).resolve().parents[2]
TMP = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
ESC = "\x1b"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str) -> None:
    assert code != 0
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and ESC not in err and "\r" not in err


def checkpoint(tmp_path, architecture, input_shape=(1, 8, 8), name="crafted.npz") -> str:
    path = tmp_path / name
    save({"w": Tensor(np.zeros(2, np.float32))}, path,
         metadata={"architecture": architecture, "input_shape": list(input_shape)})  # fmt: skip
    return str(path)


BAD_ARGUMENTS = [
    ["derive", "conv_output_size", "--set", "n=3", "--set", "k=5"],
    ["derive", "conv_output_size", "--set", "n=" + "9" * 5000],
    ["derive", "conv_output_size", "--set", "n=٣"],
    ["derive", "conv_output_size", "--set", "n=1_0"],
    ["derive", "conv_output_size", "--set", "n=-3"],
    ["derive", "conv_output_size", "--set", "n"],
    ["derive", "conv_output_size", "--set", f"n{ESC}[2J=3"],
    ["derive", "no_such_derivation"],
    ["derive", "all", "--format", "pdf"],
    ["derive", "all", "--set", "n=3"],
    ["derive", "list", "--check"],
    ["derive", "dense_parameters", "--out", "/no/such/folder/x.txt"],
    ["derive"],
    ["summary"],
    ["summary", "vgg17"],
    ["summary", f"name{ESC}[2J"],
    ["summary", "lenet5", "--input", "1x8x8"],
    ["summary", "lenet5", "--input", "0x32x32"],
    ["summary", "lenet5", "--input", "1x32x" + "9" * 400],
    ["summary", "lenet5", "--max-bytes", "abc"],
    ["summary", "/"],
    ["no_such_command"],
    ["--bogus"],
]


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=lambda a: " ".join(a)[:40])
def test_bad_command_lines(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err)


LAYER_FIELDS = {
    "out": st.one_of(st.integers(-10, 0), st.integers(2**31, 2**70)),
    "kernel": st.one_of(st.integers(-5, 0), st.lists(st.integers(-3, 0), min_size=2, max_size=2),
                        st.lists(st.integers(1, 3), min_size=0, max_size=1), st.just("3")),  # fmt: skip
    "stride": st.one_of(st.just(0), st.integers(-3, -1), st.floats(0.5, 2.5)),
    "padding": st.integers(-5, -1),
    "dilation": st.one_of(st.just(-1), st.just(0)),
    "groups": st.one_of(st.just(0), st.just(-2), st.just(True)),
    "bias": st.sampled_from(["False", 0, None]),
    "ceil_mode": st.sampled_from(["True", 1]),
    "activation": st.sampled_from(["Tanh", f"relu{ESC}[2J", 3]),
    "table": st.sampled_from([[[-1]], [[]], [[0, 0]], "x", [["0"]]]),
    "name": st.sampled_from([5, ["C1"], "x" * 500]),
    "kind": st.sampled_from(["Conv", f"conv{ESC}[31m", None, 1]),
}


@TMP
@given(field=st.sampled_from(sorted(LAYER_FIELDS)), data=st.data())
def test_crafted_layers_are_refused_by_name(capsys, tmp_path, field, data):
    layer = {"kind": "conv", "name": "C1", "out": 4, "kernel": 3}
    layer[field] = data.draw(LAYER_FIELDS[field], label=field)
    code, out, err = run(capsys, "summary", checkpoint(tmp_path, [layer]))
    assert_one_line_error(code, err)
    assert "Layer" in err or "layer" in err, err


@TMP
@given(name=st.text(alphabet=st.sampled_from([ESC, "\r", "\n", "\x07", "\u202e", "\x9b", "[", "2", "J", "a"]),
                    min_size=1, max_size=12))  # fmt: skip
def test_names_from_files_are_escaped(capsys, tmp_path, name):
    architecture = [{"kind": "conv", "name": name, "out": 2, "kernel": 3}, {"kind": "dense", "name": name, "out": 2}]
    code, out, err = run(capsys, "summary", checkpoint(tmp_path, architecture))
    assert code == 0, err
    assert not any(c in out for c in (ESC, "\r", "\x07", "\u202e", "\x9b"))
    plain = [{"kind": "conv", "name": "a", "out": 2, "kernel": 3}, {"kind": "dense", "name": "b", "out": 2}]
    assert len(out.splitlines()) == len(run(capsys, "summary", checkpoint(tmp_path, plain))[1].splitlines())


def test_a_billion_adaptive_bins_cost_nothing(capsys, tmp_path):
    architecture = [{"kind": "adaptive_avg", "name": "pool", "kernel": [10**9, 10**9]}]
    code, out, err = run(capsys, "summary", checkpoint(tmp_path, architecture))
    assert code == 0 and "1×1000000000×1000000000" in out, err


@pytest.mark.parametrize("architecture, message", [
    ([{"kind": "conv", "out": 2, "kernel": 3, "stride": 0}], "stride must be a positive integer"),
    ([{"kind": "conv", "out": 2, "kernel": 3, "groups": 0}], "groups must be a positive integer"),
    ([{"kind": "conv", "out": 2, "kernel": 3, "dilation": -1}], "dilation must be a positive integer"),
    ([{"kind": "conv", "out": 2, "kernel": 0}], "kernel must be a positive integer"),
    ([{"kind": "conv", "out": -5, "kernel": 3}], "out must be a positive integer"),
    ("no_such_model", "unknown model"),
    ({"a": 1}, "must be a name or a list of layers"),
    ([1, 2], "a layer must be a dict"),
])  # fmt: skip
def test_crafted_architectures(capsys, tmp_path, architecture, message):
    code, _, err = run(capsys, "summary", checkpoint(tmp_path, architecture))
    assert_one_line_error(code, err)
    assert message in err


@pytest.mark.parametrize("input_shape", [[0, 8, 8], [1, -8, 8], ["1", 8, 8], [1, 8], [1, 8, 2**40]])
def test_crafted_input_shapes(capsys, tmp_path, input_shape):
    code, _, err = run(capsys, "summary", checkpoint(tmp_path, [{"kind": "conv", "out": 2, "kernel": 3}], input_shape))
    assert_one_line_error(code, err)


def test_damaged_files_through_the_cli(capsys, tmp_path):
    for name, content in [("empty.npz", b""), ("text.npz", b"hello"), ("half.npz", b"PK\x03\x04" + b"\0" * 40)]:
        (tmp_path / name).write_bytes(content)
        code, _, err = run(capsys, "summary", str(tmp_path / name))
        assert_one_line_error(code, err)
    os.mkfifo(tmp_path / "pipe.npz")
    code, _, err = run(capsys, "summary", str(tmp_path / "pipe.npz"))
    assert_one_line_error(code, err)
    assert "a FIFO, not a checkpoint file" in err


def test_out_files_get_the_umask_mode(capsys, tmp_path):
    old = os.umask(0o022)
    try:
        code, _, _ = run(capsys, "derive", "dense_parameters", "--out", str(tmp_path / "d.txt"))
    finally:
        os.umask(old)
    assert code == 0 and (tmp_path / "d.txt").stat().st_mode & 0o777 == 0o644


def test_no_traceback_from_the_installed_entry_point(tmp_path):
    """One real process (python -m), to be sure nothing escapes cli.main's guard."""
    done = subprocess.run([sys.executable, "-m", "tinygrad_cnn", "derive", "conv_output_size", "--set", "n=3",
                           "--set", "k=5"], capture_output=True, text=True, cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "o (at p = 0, s = 1, d = 1) = -k + n + 1 = -1" in done.stderr
