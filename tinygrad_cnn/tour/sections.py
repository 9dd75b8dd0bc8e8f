"""The lecture's first four parts and its history, as report sections: why dense layers are too big, locality
and sharing, convolution, edge detection, and LeNet-5 / AlexNet / VGG-16. (The CNN and the physics, which
train, are in :mod:`.experiments`.)

Each section is a function ``(Context) -> Section`` that computes everything it shows: counts from the
derivations (with the numbers put in) and the engine's real layers, pictures from the graphs band, training
runs through :func:`tinygrad_cnn.train.fit`. What it checked goes into ``section.results`` for the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import derivations
from derivations.summary import HEADER, Summary, summary

from ..conv.kernels import SOBEL_X, SOBEL_Y
from ..conv.reference import conv2d_reference
from ..conv.value_conv import conv2d as value_conv2d
from ..data.digits import load_digits
from ..data.edges import load_edges, make_shapes
from ..engine.gradient_check import gradcheck
from ..engine.tensor import Tensor
from ..engine.value import Value
from ..graphs.api import to_dot
from ..graphs.examples import EXAMPLES
from ..graphs.pictures import lecture_pictures, pictures_dot
from ..graphs.render import render_to
from ..models.architectures import ARCHITECTURES, build
from ..nn import functional as F
from ..nn.linear import Linear
from ..shapes import dense_parameter_count
from ..train import plots
from ..train.recipes import DIGITS, EDGES
from .context import Context
from .figures import sobel_figure
from .report import Code, DerivationBlock, Figure, Image, Math, Paragraph, Section, Strong, Table

__all__ = ["problem", "locality_and_sharing", "convolution", "edge_detection", "history", "derived", "percent",
           "summary_table", "graph_image"]  # fmt: skip


# ---- helpers shared by the sections ------------------------------------------------------------------------------
def derived(name: str, values: dict[str, int]) -> tuple[Any, int]:
    """The derivation ``name`` with ``values`` put in, and the value of its result."""
    worked = derivations.get(name).substitute(values)
    result = worked.worked()[-1]
    return worked, int((result.arithmetic or result.chain)[-1])


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def summary_table(result: Summary, caption: str = "") -> Table:
    """A :func:`derivations.summary.summary` as a report table, with its totals row."""
    size = tuple(result.input_shape[1:]) if result.input_shape else None
    rows = [row.cells(size) for row in result.rows]
    totals = ["total", "", "", f"{result.params:,}", "",
              *("?" if result.total(c) is None else f"{result.total(c):,}" for c in ("connections", "macs")), ""]
    return Table(HEADER, rows + [totals], caption)  # fmt: skip


def graph_image(ctx: Context, name: str, dot: str, alt: str, width: int | None = None) -> Image:
    """Render DOT text to ``images/name.svg`` through Graphviz and return the picture."""
    path = render_to(dot, ctx.image(f"{name}.svg"))
    return Image(ctx.relative(path), alt, width)


def _plot_images(paths: list[Path], alt: str, ctx: Context, width: int | None = None) -> Image:
    """The PNG of a ``plots`` function's (PNG, SVG) pair."""
    png = next(p for p in paths if p.suffix == ".png")
    return Image(ctx.relative(png), alt, width)


# ---- 1. the problem ----------------------------------------------------------------------------------------------
def problem(ctx: Context) -> Section:
    section = Section("problem", "The problem: a dense layer is too big")
    worked, dense = derived("dense_parameters", {"n_prev": 32 * 32, "n": 100})
    counted = Linear(32 * 32, 100).num_parameters()
    section.add(
        Paragraph("A dense layer joins every input to every unit, each link with its own weight, and gives each "
                  "unit a bias. Counting them (the derivation below, every step checked by SymPy):"),
        DerivationBlock(worked, open=True),
        Paragraph("For the lecture's 32×32 image and 100 units that is ", Strong(f"{dense:,}"), " parameters; the "
                  "engine's ", Code("nn.Linear(1024, 100)"), f" has {counted:,}. And it grows with the image:"),
    )  # fmt: skip
    sizes = [("8×8 digit", 8 * 8), ("28×28 MNIST", 28 * 28), ("32×32 (the lecture)", 32 * 32),
             ("224×224×3 ImageNet photo", 224 * 224 * 3)]  # fmt: skip
    section.add(Table(("input", "inputs n_prev", "dense parameters into 100 units"),
                      [(name, f"{n:,}", f"{dense_parameter_count(n, 100):,}") for name, n in sizes],
                      "(n_prev + 1)·100, by tinygrad_cnn.shapes.dense_parameter_count, which the derivation proves"))
    digits = load_digits(ctx.seed)
    run = ctx.train("digits_mlp10x", digits, DIGITS.recipe, ctx.budget.digits_epochs)
    train_acc, test_acc = run.scores["train"]["accuracy"], run.scores["test"]["accuracy"]
    curves = plots.plot_history(run.history, ctx.image("mlp_curves"), title=f"MLP 64→182→10 on the digits "
                                f"({run.parameters:,} parameters, {len(digits.train):,} training images)")
    section.add(
        Paragraph(f"Many parameters and few examples overfit. An MLP 64→182→10 ({run.parameters:,} parameters) "
                  f"trained for {len(run.history)} epochs ({DIGITS.recipe.describe()}) on the {len(digits.train):,} "
                  "training images of the bundled 8×8 digits, against the images it has not seen:"),
        Table(("model", "parameters", "epochs", "train accuracy", "test accuracy", "gap", "training time"),
              [("MLP 64→182→10", f"{run.parameters:,}", str(len(run.history)), percent(train_acc),
                percent(test_acc), f"{100 * (train_acc - test_acc):.1f} points", f"{run.seconds:.1f} s")]),
        Figure([_plot_images(curves, "MLP training curves", ctx, 760)],
               f"Loss per epoch: the training loss ends at {run.history.last['train_loss']:.3g}, the validation "
               f"loss at {run.history.last['val_loss']:.3g} (lowest {min(run.history.column('val_loss')):.3g})."),
    )  # fmt: skip
    section.results = {"dense": dense, "linear": counted, "mlp_train": train_acc, "mlp_test": test_acc}
    return section


# ---- 2. locality and sharing -------------------------------------------------------------------------------------
def locality_and_sharing(ctx: Context) -> Section:
    section = Section("locality", "Locality and sharing")
    _, dense = derived("dense_parameters", {"n_prev": 1024, "n": 100})
    _, local = derived("locality", {"C": 1, "k_h": 2, "k_w": 2, "n": 100})
    _, shared = derived("parameter_sharing", {"C_in": 1, "C_out": 1, "k_h": 2, "k_w": 2, "g": 1})
    section.add(
        Paragraph("Two ideas shrink the layer. ", Strong("Locality"), ": each output looks only at a small window "
                  "of the input. ", Strong("Sharing"), ": every window uses the same weights. The three counts, "
                  "each derived and checked:"),
        DerivationBlock(derivations.get("locality")),
        DerivationBlock(derivations.get("parameter_sharing")),
        Table(("layer", "what it learns", "parameters for 100 outputs of a 32×32 image"),
              [("dense", "one weight per input and output, plus a bias each", f"{dense:,}"),
               ("locally connected", "a 2×2 window per output, its own weights", f"{local:,}"),
               ("convolution", "one shared 2×2 filter and a bias", f"{shared:,}")],
              "evaluated from the derivations with the lecture's numbers put in"),
    )  # fmt: skip
    pictures = lecture_pictures(6, 3)
    image = graph_image(ctx, "dense_local_conv", pictures_dot(pictures), "dense, locally connected and conv graphs")
    section.add(
        Figure([image], "The same 6 inputs and 4 outputs, drawn from the real computation graphs of scalar Values: "
                        "one edge per use of a parameter."),
        Table(("layer", "edges (uses of a parameter)", "distinct parameters", "formula"),
              [(p.kind, str(p.edges), str(p.parameters), f"{p.formula} = {p.expected}") for p in pictures],
              "read from the traced graphs; the formula is the derived count"),
    )  # fmt: skip
    section.results = {"dense": dense, "local": local, "shared": shared,
                       "pictures": {p.kind: (p.edges, p.parameters) for p in pictures}}  # fmt: skip
    return section


# ---- 3. convolution ----------------------------------------------------------------------------------------------
HYPERPARAMETERS = [  # (n, k, stride, padding, dilation): the lecture's cases and a few that floor
    (32, 5, 1, 0, 1), (32, 3, 1, 1, 1), (32, 5, 2, 2, 1), (28, 2, 2, 0, 1), (7, 3, 2, 1, 2), (10, 3, 3, 0, 1),
    (227, 11, 4, 0, 1), (224, 11, 4, 2, 1), (9, 3, 1, 0, 3), (6, 4, 3, 1, 1),
]  # fmt: skip


def _engine_output(n: int, k: int, stride: int, padding: int, dilation: int) -> int:
    """The output length the engine's conv1d really produces."""
    x, w = Tensor(np.zeros((1, 1, n), np.float32)), Tensor(np.zeros((1, 1, k), np.float32))
    return int(F.conv1d(x, w, stride=stride, padding=padding, dilation=dilation).shape[-1])


def _sharing_gradient(rng: np.random.Generator) -> dict[str, float]:
    """∂L/∂w00 of L = Σ conv2d(x, w) in both engines, and by hand: the sum of the inputs w00 touched."""
    x, w = rng.standard_normal((1, 5, 5)), rng.standard_normal((1, 1, 3, 3))
    values = [[[Value(float(v)) for v in row] for row in plane] for plane in x]
    kernel = [[[[Value(float(v)) for v in row] for row in plane] for plane in out] for out in w]
    out = value_conv2d(values, kernel)
    sum(v for plane in out for row in plane for v in row).backward()
    weight = Tensor(w, requires_grad=True)
    F.conv2d(Tensor(x[None]), weight).sum().backward()
    return {"scalar": kernel[0][0][0][0].grad, "tensor": float(weight.grad.numpy()[0, 0, 0, 0]),
            "by_hand": float(x[0, :3, :3].sum())}  # fmt: skip


def convolution(ctx: Context) -> Section:
    section = Section("convolution", "Convolution: windows times one shared weight matrix")
    rng = np.random.default_rng(ctx.seed)
    picture = graph_image(ctx, "conv1d_graph", EXAMPLES["conv1d"].build(grads=True), "1-D convolution graph")
    grads = _sharing_gradient(rng)
    section.add(
        Paragraph("The lecture's 1-D picture, drawn from the scalar engine's graph: each kernel weight is one "
                  "node used at every window, and backpropagation sends one share of the gradient down each use; "
                  "the shares add up to the weight's gradient."),
        Figure([picture], "L = Σ y after L.backward(): every edge shows its share of ∂L/∂w."),
        Paragraph("So the gradient of a shared weight is a sum over positions. For a 3×3 kernel on a 5×5 input, "
                  "∂L/∂w₀₀ of L = Σ conv2d(x, w): scalar engine ", Strong(f"{grads['scalar']:.6f}"),
                  ", tensor engine ", Strong(f"{grads['tensor']:.6f}"), ", the sum of the 9 inputs w₀₀ touched ",
                  Strong(f"{grads['by_hand']:.6f}"), "."),
    )  # fmt: skip
    x, w = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    windows = F.unfold(Tensor(x), 3)  # (1, 2·3·3, 16): one column per window
    matrix = Tensor(w).reshape(3, -1)  # (3, 2, 3, 3) -> (3, 18): one matrix for every window
    fast = (matrix @ windows).reshape(1, 3, 4, 4).numpy()  # (3, 16) -> (1, 3, 4, 4)
    error = float(np.abs(fast - conv2d_reference(x, w)).max())
    xg = Tensor(rng.standard_normal((2, 3, 7, 7)), requires_grad=True)
    wg = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    checked = gradcheck(lambda a, b: F.conv2d(a, b, stride=2, padding=1, dilation=2), [xg, wg])
    section.add(
        Paragraph("The tensor engine computes a convolution exactly so: ", Code("unfold"), f" cuts the "
                  f"{windows.shape[2]} windows (locality) into columns of {windows.shape[1]} inputs, and one "
                  f"{matrix.shape[0]}×{matrix.shape[1]} weight matrix (sharing) multiplies all of them. Against a "
                  "plain loop over positions the largest difference is ", Strong(f"{error:.1e}"), "; its gradients "
                  "agree with central differences (", Code("gradcheck"), ", stride 2, padding 1, dilation 2): ",
                  Strong("passed" if checked else "FAILED"), "."),
        Paragraph("How big is the output? Derived, with the floor checked exactly on a grid:"),
        DerivationBlock(derivations.get("conv_output_size")),
    )  # fmt: skip
    rows, agree = [], True
    for n, k, s, p, d in HYPERPARAMETERS:
        engine = _engine_output(n, k, s, p, d)
        _, formula = derived("conv_output_size", {"n": n, "k": k, "s": s, "p": p, "d": d})
        agree &= engine == formula
        rows.append((str(n), str(k), str(s), str(p), str(d), str(engine), str(formula), "yes" if engine == formula
                     else "NO"))  # fmt: skip
    section.add(Table(("input n", "kernel k", "stride s", "padding p", "dilation d", "engine's conv1d output",
                       "derived formula", "equal"), rows,
                      "engine: the length of F.conv1d's real output; formula: the derivation with the numbers put in"))
    section.results = {"loop_error": error, "gradcheck": checked, "sharing": grads, "sizes_agree": agree,
                       "sizes": len(rows)}  # fmt: skip
    return section


# ---- 4. edge detection -------------------------------------------------------------------------------------------
def edge_detection(ctx: Context) -> Section:
    section = Section("edges", "Edge detection")
    image = make_shapes(1, size=32, seed=ctx.seed)[0, 0]
    batch = Tensor(image[None, None].astype(np.float64))
    responses = {name: F.conv2d(batch, Tensor(kernel[None, None]), padding=1).numpy()[0, 0]
                 for name, kernel in (("Sobel x (vertical edges)", SOBEL_X), ("Sobel y (horizontal edges)", SOBEL_Y))}
    gx, gy = responses.values()
    responses["|gradient|"] = np.hypot(gx, gy)
    path = sobel_figure(image, responses, ctx.image("sobel.png"))
    step = np.zeros((6, 6))
    step[:, 3:] = 1.0  # dark left, bright right
    response = F.conv2d(Tensor(step[None, None]), Tensor(SOBEL_X[None, None])).numpy()[0, 0]
    section.add(
        Paragraph("A kernel is a small pattern detector. Sobel's kernel ", Math(_matrix(SOBEL_X)), " is a "
                  "smoothed horizontal derivative: zero on flat regions, large across a vertical edge. On a step "
                  "from dark to bright it gives ", Strong(f"{response[0, 1]:+.0f}"), " along the edge and ",
                  Strong(f"{response[0, 0]:+.0f}"), " where the image is flat. On shapes:"),
        Figure([Image(ctx.relative(path), "Sobel filters applied to an image", 900)],
               "The engine's conv2d with Sobel's kernels (padding 1); red positive, blue negative."),
        Paragraph("Why these numbers? Sobel and Prewitt are derivatives on a grid, smoothed across it:"),
        DerivationBlock(derivations.get("edge_detection")),
    )  # fmt: skip
    data = load_edges(ctx.seed)
    run = ctx.train("edges_conv", data, EDGES.recipe, ctx.budget.edges_epochs)
    learned = plots.first_conv(run.model)[1].weight.numpy()
    error = EDGES.extras(run.model, data)["max_abs_error_vs_sobel"]
    kernels = plots.plot_kernels(learned[0, 0], SOBEL_X, ctx.image("learned_sobel"))
    outputs = plots.plot_edges(run.model, data.test, ctx.image("learned_edges"), count=2)
    section.add(
        Paragraph("The same kernel can be learned. One 3×3 convolution (9 weights, no bias), trained by "
                  f"regression on {len(data.train)} images whose targets are their Sobel edge maps, for "
                  f"{len(run.history)} epochs ({run.seconds:.1f} s), ends with the largest difference from "
                  "Sobel's kernel ", Strong(f"{error:.4f}"), f" and test loss {run.scores['test']['loss']:.2e}."),
        Figure([_plot_images(kernels, "learned kernel next to Sobel's", ctx, 520),
                _plot_images(outputs, "learned filter's output", ctx, 420)],
               "Left: the learned kernel and Sobel's. Right: test images, their true edges, the learned output."),
    )  # fmt: skip
    section.results = {"step_edge": float(response[0, 1]), "step_flat": float(response[0, 0]),
                       "learned_error": error}  # fmt: skip
    return section


def _matrix(kernel: np.ndarray) -> Any:
    import sympy as sp

    return sp.Matrix(kernel.astype(int))


# ---- 7. history --------------------------------------------------------------------------------------------------
def history(ctx: Context) -> Section:
    section = Section("history", "A bit of history: LeNet-5, AlexNet, VGG-16")
    lenet = summary("lenet5")
    section.add(
        Paragraph("LeNet-5 (LeCun et al., 1998) read handwritten digits with convolutions, subsampling and a few "
                  "dense layers. Its table, recomputed layer by layer from the formulas of this report:"),
        summary_table(lenet, f"LeNet-5 on a {'×'.join(map(str, lenet.input_shape))} input"),
    )  # fmt: skip
    checks = [f"published {key}: {value:,}, computed {(lenet.params if key == 'parameters' else lenet.total(key)):,}"
              for key, value in lenet.published.items()]  # fmt: skip
    if checks:
        section.add(Paragraph("; ".join(checks) + "."))
    model = build(ARCHITECTURES["lenet5"], generator=np.random.default_rng(ctx.seed))
    dot = to_dot(model, input_shape=ARCHITECTURES["lenet5"].input_shape)
    section.add(Figure([graph_image(ctx, "lenet5_layers", dot, "LeNet-5 layer graph", 520)],
                       "LeNet-5 built from the engine's layers, one node per layer from a real forward pass."))
    _, on224 = derived("conv_output_size", {"n": 224, "k": 11, "s": 4, "p": 0, "d": 1})
    _, on227 = derived("conv_output_size", {"n": 227, "k": 11, "s": 4, "p": 0, "d": 1})
    _, padded = derived("conv_output_size", {"n": 224, "k": 11, "s": 4, "p": 2, "d": 1})
    alexnet = summary("alexnet2012", (3, 227, 227))
    vgg = summary("vgg16")
    section.add(
        Paragraph("AlexNet (2012) says its first layer reads 224×224 images with 11×11 kernels at stride 4 and "
                  "gives 55×55 maps. The output-size formula says ", Strong(f"{on224}"), " on 224 and ",
                  Strong(f"{on227}"), " on 227, so the input must have been 227 (torchvision pads 224 by 2: ",
                  Strong(f"{padded}"), "). On 227 the table adds up to ", Strong(f"{alexnet.params:,}"),
                  " parameters; VGG-16, thirteen 3×3 convolutions and three dense layers, to ",
                  Strong(f"{vgg.params:,}"), ", most of them in its first dense layer."),
        DerivationBlock(derivations.get("architectures")),
        summary_table(vgg, "VGG-16 on a 3×224×224 input"),
    )  # fmt: skip
    section.results = {"lenet5": lenet.params, "alexnet_224": on224, "alexnet_227": on227, "alexnet": alexnet.params,
                       "vgg16": vgg.params}  # fmt: skip
    return section
