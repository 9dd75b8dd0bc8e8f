"""The tour (the README's main job) writes its report: every section present with the numbers it computed,
every picture it references on disk, nothing loaded from outside the folder, an interrupted run harmless."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tinygrad_cnn.cli import main
from tinygrad_cnn.tour import build
from tinygrad_cnn.tour.report import Section

KEYS = [key for key, _, _ in build.SECTIONS]


def test_every_section_is_on_the_page_and_in_the_markdown(quick_report):
    report, folder = quick_report
    page = (folder / "index.html").read_text(encoding="utf-8")
    markdown = (folder / "index.md").read_text(encoding="utf-8")
    assert [s.key for s in report.sections] == KEYS
    for number, section in enumerate(report.sections, 1):
        assert f'<section id="{section.key}">' in page
        assert f"<h2>{number}. {section.title}</h2>" in page
        assert f"## {number}. " in markdown
    assert "Quick mode" in page and "Quick mode" in markdown
    assert page.count("<math") > 100 and markdown.count("$$") > 100
    latex = (folder / "derivations.tex").read_text(encoding="utf-8")
    assert latex.startswith(r"\documentclass") and latex.rstrip().endswith(r"\end{document}")


def test_the_numbers_are_the_ones_computed(quick_report):
    results = {s.key: s.results for s in quick_report[0].sections}
    assert results["problem"]["dense"] == results["problem"]["linear"] == 102_500
    assert results["problem"]["mlp_train"] > results["problem"]["mlp_test"] > 0.9  # the gap, on real data
    locality = results["locality"]
    assert (locality["dense"], locality["local"], locality["shared"]) == (102_500, 500, 5)
    assert results["locality"]["pictures"] == {"dense": (28, 28), "local": (16, 16), "conv": (16, 4)}
    conv = results["convolution"]
    assert conv["loop_error"] < 1e-12 and conv["gradcheck"] and conv["sizes_agree"] and conv["sizes"] >= 10
    assert conv["sharing"]["scalar"] == pytest.approx(conv["sharing"]["by_hand"], abs=1e-12)
    assert conv["sharing"]["tensor"] == pytest.approx(conv["sharing"]["by_hand"], abs=1e-12)
    edges = results["edges"]
    assert (edges["step_edge"], edges["step_flat"]) == (-4.0, 0.0) and edges["learned_error"] < 0.05
    cnn = results["cnn"]
    assert cnn["digits_cnn"]["parameters"] == 1370 and cnn["digits_cnn"]["test"] > 0.9
    assert set(cnn["mnist1d"]) == {"mnist1d_logistic", "mnist1d_mlp", "mnist1d_cnn"}
    assert cnn["mnist1d"]["mnist1d_cnn"][0] > cnn["mnist1d"]["mnist1d_logistic"][0]
    physics = results["physics"]
    assert physics["max_pull"] < 5 and abs(physics["relative_error"]) < 0.1 and physics["accuracy_far"] > 0.9
    assert results["history"]["lenet5"] == 60_840
    assert (results["history"]["alexnet_224"], results["history"]["alexnet_227"]) == (54, 55)


def test_every_picture_referenced_exists_and_nothing_outside_is_named(quick_report):
    _, folder = quick_report
    page = (folder / "index.html").read_text(encoding="utf-8")
    markdown = (folder / "index.md").read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) >= 15 and sources == re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    for source in sources:
        assert source.startswith("images/") and (folder / source).stat().st_size > 500, source
    assert "<script" not in page and "<link" not in page and "<iframe" not in page
    addresses = re.findall(r'(?:src|href)="([^"#][^"]*)"', page)
    assert all(not re.match(r"[a-z]+:", a) and not a.startswith("//") for a in addresses), addresses
    manifest = json.loads((folder / build.MANIFEST).read_text())
    assert "index.html" in manifest and all((folder / name).is_file() for name in manifest)
    assert not list(folder.glob(".tour-partial-*"))


def _failing(ctx):
    raise KeyboardInterrupt


def _quick_only(monkeypatch, *extra):
    """Run the tour with one fast real section (and ``extra`` ones), so the file handling is tested quickly."""
    locality = next(s for s in build.SECTIONS if s[0] == "locality")
    monkeypatch.setattr(build, "SECTIONS", [locality, *extra])


def test_an_interrupted_run_leaves_the_previous_report_intact(tmp_path, monkeypatch):
    _quick_only(monkeypatch)
    build.write_report(tmp_path, quick=True, progress=False)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    _quick_only(monkeypatch, ("broken", "Broken", _failing))
    with pytest.raises(KeyboardInterrupt):
        build.write_report(tmp_path, quick=True, progress=False)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # no staging folder left, not a byte changed


def test_a_rerun_replaces_only_its_own_files(tmp_path, monkeypatch):
    (tmp_path / "images").mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "images" / "mine.png").write_bytes(b"mine")
    _quick_only(monkeypatch)
    build.write_report(tmp_path, quick=True, progress=False)
    stale = tmp_path / "images" / "from_an_older_tour.svg"
    stale.write_text("old")
    manifest = tmp_path / build.MANIFEST
    manifest.write_text(json.dumps([*json.loads(manifest.read_text()), "images/from_an_older_tour.svg", "../x"]))

    def extra(ctx):
        return Section("extra", "Extra")

    _quick_only(monkeypatch, ("extra", "Extra", extra))
    build.write_report(tmp_path, quick=True, progress=False)
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "images" / "mine.png").read_bytes() == b"mine"
    assert not stale.exists()  # the older tour's file, listed in its manifest, is gone
    assert '<section id="extra">' in (tmp_path / "index.html").read_text()


def test_cli_errors_are_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["tour", "--quick", "--out", str(blocker)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("tinygrad-cnn tour: error: --out") and "not a folder" in err[-1]


def test_cli_without_a_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_cli_unknown_command_is_one_line_not_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_cnn.cli", "no-such-command"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr


def test_cli_reports_progress_and_opens_the_page(tmp_path, monkeypatch, capsys):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    _quick_only(monkeypatch)
    assert main(["tour", "--quick", "--open", "--out", str(tmp_path / "report")]) == 0
    captured = capsys.readouterr()
    assert "[1/1] Locality and sharing: done in" in captured.err and "index.html" in captured.out
    assert opened == [(tmp_path / "report" / "index.html").resolve().as_uri()]
