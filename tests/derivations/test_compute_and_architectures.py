"""The derivations of compute, backprop, equivariance, edge detection and architecture tables: every step
checks, every result is verified against the engine, a wrong step or a wrong engine formula is caught, and
every renderer works; plus the facts each one is about (−8h, 224 vs 227, the published totals)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from derivations import registry
from derivations.checks import VerificationError
from derivations.render import latex_document, to_latex, to_markdown, to_text
from derivations.results import architectures, conv_backprop, edge_detection, macs, translation_equivariance
from derivations.summary import format_table, summarize, summary
from derivations.vocabulary import DerivationError, Step
from tinygrad_cnn import Tensor, nn, no_grad, shapes
from tinygrad_cnn.models.architectures import (
    ARCHITECTURES,
    LENET5_C3_TABLE,
    Layer,
    build,
    from_module,
    output_shapes,
    thinned,
)

MODULES = {
    "macs": macs,
    "conv_backprop": conv_backprop,
    "translation_equivariance": translation_equivariance,
    "edge_detection": edge_detection,
    "architectures": architectures,
}
BACKPROP_M = conv_backprop.m
EXAMPLE_VALUES = {
    "macs": {"C_in": 3, "C_out": 8, "k_h": 5, "k_w": 5, "g": 1, "H_out": 28, "W_out": 28},
    "conv_backprop": {"a": 1, "b": 1, "n": 6},
    "translation_equivariance": {"s": 2, "q": 1, "t": 2, "k": 3},
    "edge_detection": {"h": 1},
    "architectures": {"C_in": 1, "C_out": 6, "k": 5, "g": 1, "H_out": 28, "W_out": 28},
}


@pytest.mark.parametrize("name", MODULES)
def test_registered_checks_and_verifies(name):
    derivation = registry.get(name)
    assert derivation is MODULES[name].DERIVATION
    result = derivation.check()
    assert sum(result.methods.values()) == len(derivation.steps)
    report = derivation.verify()
    assert report.cases > 0 and report.comparisons


@pytest.mark.parametrize("name", MODULES)
def test_renders_in_every_format(name):
    derivation = registry.get(name).substitute(EXAMPLE_VALUES[name])
    text = to_text(derivation)
    assert derivation.title in text and "Steps:" in text
    assert to_text(derivation, pretty=False)
    assert to_markdown(derivation).startswith("### ")
    assert rf"\label{{{name}}}" in to_latex(derivation)
    document = latex_document(derivation)
    assert document.startswith(r"\documentclass") and document.rstrip().endswith(r"\end{document}")


def _with_step(derivation, number, **changes):
    """The derivation with step ``number`` (1-based) changed."""
    steps = list(derivation.steps)
    steps[number - 1] = dataclasses.replace(steps[number - 1], **changes)
    return dataclasses.replace(derivation, steps=tuple(steps))


def _step_number(derivation, words):
    return next(n for n, step in enumerate(derivation.steps, 1) if words in step.reason)


@pytest.mark.parametrize(
    ("name", "words", "wrong"),
    [
        ("macs", "C_out·H'·W' output values", lambda rhs: 2 * rhs),
        ("macs", "…which is H'·W'.", lambda rhs: rhs + 1),
        ("translation_equivariance", "That is y at position i − t", lambda rhs: rhs.xreplace(
            {translation_equivariance.t: -translation_equivariance.t})),
        ("translation_equivariance", "If the shift is a multiple", lambda rhs: rhs.xreplace(
            {translation_equivariance.q: 2 * translation_equivariance.q})),
        ("conv_backprop", "The delta picks o = m − j", lambda rhs: rhs.xreplace({BACKPROP_M: BACKPROP_M + 1})),
        ("conv_backprop", "Written out for k = 3", lambda rhs: conv_backprop.FLIPPED.subs(conv_backprop.k, 4)),
        ("edge_detection", "The first moment in x", lambda rhs: rhs + 2),
        ("edge_detection", "Its first moment is −6", lambda rhs: rhs.subs(-6, -8)),
        ("edge_detection", "Degree 3 is not exact", lambda rhs: rhs + 8 * edge_detection.h**3),
        ("architectures", "Count them: 60 of the 96", lambda rhs: rhs + 1),
        ("architectures", "On 227×227", lambda rhs: rhs - 1),
    ],
)  # fmt: skip
def test_a_wrong_step_is_caught(name, words, wrong):
    derivation = registry.get(name)
    number = _step_number(derivation, words)
    broken = _with_step(derivation, number, rhs=wrong(derivation.steps[number - 1].rhs))
    with pytest.raises(DerivationError, match=f"step {number}"):
        broken.check()


def test_a_wrong_published_total_is_caught():
    derivation = architectures.DERIVATION
    number = next(n for n, s in enumerate(derivation.steps, 1) if s.rhs == 138_357_544)
    with pytest.raises(DerivationError, match="simplify"):
        _with_step(derivation, number, rhs=sp.Integer(138_357_545)).check()


def test_a_wrong_lemma_is_caught():
    lemma = dataclasses.replace(translation_equivariance.COMMUTE, rhs=sp.Integer(1))
    with pytest.raises(DerivationError, match="lemma 'circulant"):
        lemma.check("translation_equivariance")
    geometry = dataclasses.replace(conv_backprop.GEOMETRY, rhs=conv_backprop.n + conv_backprop.k + 1)
    with pytest.raises(DerivationError, match="stride, padding and dilation"):
        geometry.check("conv_backprop")


def test_a_wrong_engine_formula_is_caught(monkeypatch):
    monkeypatch.setattr(shapes, "conv_macs", lambda *args, **kwargs: 0)
    with pytest.raises(VerificationError, match="conv_macs"):
        macs.verify()


# ---- the facts ------------------------------------------------------------------------------------------------
def test_macs_ratios():
    assert macs.DERIVATION.result.rhs.subs({"C_in": 1}) is not None
    values = {macs.c_in: 1, macs.c_out: 6, macs.kh: 5, macs.kw: 5, macs.g: 1, macs.h_out: 28, macs.w_out: 28}
    assert macs.CONV.subs(values) == 117_600 == shapes.conv_macs(1, 6, (5, 5), (28, 28))


def test_multiplications_counted_in_the_scalar_engine():
    from tinygrad_cnn.conv.value_conv import conv2d, to_values

    out = conv2d(to_values(np.ones((2, 4, 4))), to_values(np.ones((3, 2, 2, 2))))
    assert macs.count_multiplications(out) == shapes.conv_macs(2, 3, (2, 2), (3, 3)) == 3 * 9 * 2 * 4


def test_circulant_commutes_and_strided_shift_does_not():
    c = list(sp.symbols("c0:5"))
    matrix = translation_equivariance.circulant(c)
    for shift in range(5):
        s = translation_equivariance.cyclic_shift(5, shift)
        assert (matrix * s - s * matrix).expand() == sp.zeros(5, 5)
    # stride 2 is the circulant followed by keeping every other row: it does not commute with a shift by 1
    keep = sp.Matrix(3, 6, lambda r, col: int(col == 2 * r))
    c6 = translation_equivariance.circulant(list(sp.symbols("c0:6")))
    assert (keep * c6 * translation_equivariance.cyclic_shift(6, 1) - keep * c6).expand() != sp.zeros(3, 6)


def test_backprop_lemma_at_one_size_and_flip():
    assert conv_backprop.partials_matching(7, 3, 2, 1, 2) == 10
    assert conv_backprop.FLIP.count(k=5) == 5


def test_edge_detection_factors():
    assert edge_detection.kernel_matrix(edge_detection.SOBEL) == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    assert edge_detection.kernel_matrix(edge_detection.PREWITT) == [[1, 0, -1]] * 3
    d = edge_detection.d
    assert edge_detection.SOBEL_RESULT.coeff(edge_detection.h).coeff(d[1, 0]) == -8
    assert edge_detection.PREWITT_RESULT.coeff(edge_detection.h).coeff(d[1, 0]) == -6


def test_lenet5_table_matches_the_paper():
    rows = {r.name: r for r in summarize("lenet5")}
    expected = {"C1": ((6, 28, 28), 156, 122_304), "S2": ((6, 14, 14), 12, 5_880), "C3": ((16, 10, 10), 1_516, 151_600),
                "S4": ((16, 5, 5), 32, 2_000), "C5": ((120, 1, 1), 48_120, 48_120), "F6": ((84,), 10_164, 10_164),
                "OUTPUT": ((10,), 840, 840)}  # fmt: skip
    for name, (shape, params, connections) in expected.items():
        assert (rows[name].output, rows[name].params, rows[name].connections) == (shape, params, connections), name
    assert sum(len(maps) for maps in LENET5_C3_TABLE) == 60
    assert sorted(len(maps) for maps in LENET5_C3_TABLE) == [3] * 6 + [4] * 9 + [6]
    assert rows["C5"].receptive_field == (32, 32)


@pytest.mark.parametrize(("name", "params"), [("alexnet", 61_100_840), ("alexnet2012", 60_965_224),
                                              ("vgg16", 138_357_544), ("lenet5", 60_840)])  # fmt: skip
def test_published_totals(name, params):
    result = summary(name)
    assert result.params == params
    assert "published" in format_table(result)


def test_alexnet_224_versus_227():
    assert shapes.conv_output_size(224, 11, 4, 0) == 54
    assert shapes.conv_output_size(227, 11, 4, 0) == 55
    assert shapes.conv_output_size(224, 11, 4, 2) == 55
    with pytest.raises(ValueError, match="fc6 .* expects 9216 input features, gets 6400"):
        output_shapes(ARCHITECTURES["alexnet2012"].layers, (3, 224, 224))


def test_too_small_input_names_the_layer_and_formula():
    with pytest.raises(ValueError, match=r"C3 \(conv 5×5\) on a 6×2×2 input: ⌊\(2 \+ 2·0 − 1·\(5−1\) − 1\)/1⌋ \+ 1"):
        summary("lenet5", (1, 8, 8))


def test_real_lenet5_and_round_trip():
    model = build(ARCHITECTURES["lenet5"], generator=np.random.default_rng(0))
    assert model.num_parameters() == 60_000  # the paper's trainable free parameters, exactly
    assert model.OUTPUT.weight.numel() == 840 and not model.OUTPUT.weight.requires_grad  # fixed by hand
    assert "OUTPUT.weight" in model.state_dict()  # saved all the same
    with no_grad():
        assert model(Tensor(np.zeros((2, 1, 32, 32), np.float32))).shape == (2, 10)
    assert summarize(model, (1, 32, 32)) == summarize("lenet5")


def test_alexnet_conv_part_real_forward():
    """The 2012 AlexNet's convolutions as real engine layers (2.3 M weights) on a 227×227 input."""
    layers = [layer for layer in ARCHITECTURES["alexnet2012"].layers if layer.kind != "dense"]
    model = build(layers, (3, 227, 227), generator=np.random.default_rng(0))
    with no_grad():
        out = model(Tensor(np.zeros((1, 3, 227, 227), np.float32)))
    rows = summarize(layers, (3, 227, 227))
    assert out.shape[1:] == rows[-1].output == (256, 6, 6)
    assert model.num_parameters() == sum(r.params for r in rows) == 2_334_080


def test_thinned_keeps_the_sizes():
    for name, divisor in (("vgg16", 32), ("alexnet2012", 16)):
        full, thin = summarize(name), summarize(thinned(ARCHITECTURES[name], divisor))
        assert [r.output[1:] for r in full] == [r.output[1:] for r in thin]


def test_from_module_folds_activations_and_rejects_unknown_layers():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Dropout(0.5), nn.Linear(4 * 4 * 4, 10))  # fmt: skip
    layers = from_module(model)
    assert [layer.kind for layer in layers] == ["conv", "maxpool", "dense"]
    assert layers[0].activation == "relu" and layers[0].padding == (1, 1)
    rows = summarize(model, (1, 8, 8))
    assert [r.params for r in rows] == [40, 0, 650]
    assert rows[0].macs == shapes.conv_macs(1, 4, (3, 3), (8, 8))
    with pytest.raises(ValueError, match="cannot describe a Softmax"):
        from_module(nn.Sequential(nn.Linear(2, 2), nn.Softmax(1)))
    with pytest.raises(ValueError, match="only an nn.Sequential"):
        from_module(nn.Linear(2, 2))


def test_layer_checks():
    with pytest.raises(ValueError, match="kind must be one of"):
        Layer("convolution")
    with pytest.raises(ValueError, match="groups=2 must divide 3"):
        output_shapes([Layer.conv("c", 4, 3, groups=2)], (3, 8, 8))


def test_steps_are_plain_sympy():
    for module in MODULES.values():
        assert all(isinstance(step, Step) for step in module.DERIVATION.steps)


def test_summary_of_the_tours_tiny_cnn():
    model = build(ARCHITECTURES["tiny_cnn"], generator=np.random.default_rng(0))  # the model the tour trains
    assert [r.output for r in summarize("tiny_cnn", (1, 8, 8))] == [(4, 8, 8), (4, 4, 4), (8, 2, 2), (8, 1, 1), (2,)]
    rows = summarize(model, (1, 8, 8))
    assert [r.output for r in rows] == [(4, 8, 8), (4, 4, 4), (8, 2, 2), (8, 1, 1), (2,)]
    assert sum(r.params for r in rows) == model.num_parameters() == 354
    with no_grad():
        assert model(Tensor(np.zeros((1, 1, 8, 8), np.float32))).shape == (1, 2)
