"""The report's sections that train or simulate: a CNN on the digits against MLPs, the MNIST-1D table with its
shuffled row, and the 2-D Ising model (Monte Carlo against the exact solutions).

The models are the named architectures of :mod:`tinygrad_cnn.models`, trained by :func:`tinygrad_cnn.train.fit`
(through :meth:`Context.train`); the pictures come from :mod:`tinygrad_cnn.train.plots`.
"""

from __future__ import annotations

import numpy as np

from derivations.summary import summary

from ..data.autocorrelation import mean_and_error
from ..data.dataset import Dataset
from ..data.digits import load_digits
from ..data.ising import generate_ising
from ..data.ising_exact import CRITICAL_TEMPERATURE, exact_energy_per_spin, onsager_magnetization
from ..data.mnist1d_signals import load_mnist1d
from ..graphs.api import to_dot
from ..models.architectures import ARCHITECTURES
from ..train import plots
from ..train.loop import evaluate, predict
from ..train.metrics import confusion_matrix
from .context import Context, Run
from .figures import ising_configurations_figure, ising_observables_figure, signals_figure
from .report import Figure, Image, Paragraph, Section, Strong, Table
from .sections import _plot_images, graph_image, percent, summary_table

__all__ = ["cnn", "physics", "MNIST1D_PAPER"]

# Published test accuracies (%) of Greydanus, "Scaling down deep learning" (2020), for comparison only:
# (on MNIST-1D, with the signals' positions shuffled).
MNIST1D_PAPER = {"mnist1d_logistic": (32, 32), "mnist1d_mlp": (68, 68), "mnist1d_cnn": (94, 56)}
MNIST1D_NAMES = {"mnist1d_logistic": "logistic regression", "mnist1d_mlp": "MLP 40→100→100→10",
                 "mnist1d_cnn": "CNN, three conv1d layers"}  # fmt: skip


def shifted(data: Dataset, pixels: int = 1) -> Dataset:
    """The images moved ``pixels`` to the right, the gap filled with zeros (background)."""
    x = np.zeros_like(data.x)
    x[..., pixels:] = data.x[..., :-pixels]  # (N, C, H, W): every row moves right
    return Dataset(x, data.y, data.name, data.classes)


# ---- 5. a CNN ----------------------------------------------------------------------------------------------------
def cnn(ctx: Context) -> Section:
    section = Section("cnn", "A CNN: convolution, max pooling, a dense layer")
    architecture = ARCHITECTURES["digits_cnn"]
    section.add(
        Paragraph("A small CNN for the 8×8 digits: eight 3×3 filters with padding 1 and ReLU, 2×2 max pooling, "
                  "and one dense layer to the ten classes. Its table, every count from the derived formulas:"),
        summary_table(summary("digits_cnn"), f"{architecture.title}, input 1×8×8"),
    )  # fmt: skip
    digits = load_digits(ctx.seed)
    epochs = ctx.budget.digits_epochs
    runs = {name: ctx.train(name, name, digits, lr=0.01, batch_size=32, epochs=epochs)
            for name in ("digits_cnn", "digits_mlp", "digits_mlp10x")}  # fmt: skip
    model = runs["digits_cnn"].model
    section.add(Figure([graph_image(ctx, "digits_cnn_layers", to_dot(model, input_shape=architecture.input_shape),
                                    "digits CNN layer graph", 300)],
                       "The trained model, one node per layer (output shape, parameters and their formula)."))
    predictions = predict(model, digits.test).argmax(axis=1)
    matrix = confusion_matrix(digits.test.y, predictions, num_classes=10)
    run = runs["digits_cnn"]
    images = [
        _plot_images(plots.plot_history(run.history, ctx.image("cnn_curves"), title="digits CNN"), "CNN curves", ctx,
                     720),
        _plot_images(plots.plot_filters(model, ctx.image("cnn_filters")), "learned filters", ctx, 760),
        _plot_images(plots.plot_feature_maps(model, digits.test.x[0], ctx.image("cnn_feature_maps")),
                     "feature maps", ctx, 900),
        _plot_images(plots.plot_confusion(matrix, ctx.image("cnn_confusion")), "confusion matrix", ctx, 380),
    ]  # fmt: skip
    section.add(
        Paragraph(f"Trained from scratch with Adam (learning rate 0.01, batches of 32) for {len(run.history)} "
                  f"epochs in {run.seconds:.1f} s, it reaches ", Strong(percent(run.scores["test"]["accuracy"])),
                  f" on the {len(digits.test)} test images."),
        Figure(images[:1], "Loss and accuracy per epoch, training and validation."),
        Figure(images[1:3], "The eight learned 3×3 filters, and what they make of one test digit (after ReLU)."),
        Figure(images[3:], "Test predictions: rows the true digit, columns the predicted one."),
    )  # fmt: skip
    moved = shifted(digits.test)
    rows, results = [], {}
    for name, label in (("digits_cnn", "CNN"), ("digits_mlp", "MLP 64→18→10, the CNN's size"),
                        ("digits_mlp10x", "MLP 64→182→10, ten times bigger")):  # fmt: skip
        r = runs[name]
        train, test = r.scores["train"]["accuracy"], r.scores["test"]["accuracy"]
        shift = evaluate(r.model, moved)["accuracy"]
        rows.append((label, f"{r.parameters:,}", percent(train), percent(test), f"{100 * (train - test):.1f}",
                     f"{r.seconds / len(r.history):.2f} s", percent(shift)))  # fmt: skip
        results[name] = {"parameters": r.parameters, "train": train, "test": test, "shifted": shift}
    section.add(
        Paragraph("Against MLPs trained the same way (same data, optimizer, epochs and seed). The last column moves "
                  "every test image one pixel to the right, a shift none of them saw in training."),
        Table(("model", "parameters", "train accuracy", "test accuracy", "gap (points)", "time per epoch",
               "test, shifted by 1 pixel"), rows),
    )  # fmt: skip
    results["mnist1d"] = _mnist1d(ctx, section)
    section.results = results
    return section


def _mnist1d(ctx: Context, section: Section) -> dict[str, tuple[float, float]]:
    """The MNIST-1D table: three models, on the signals and on the signals with shuffled positions."""
    budget = ctx.budget
    plain = load_mnist1d(ctx.seed, val_fraction=0.0)
    mixed = load_mnist1d(ctx.seed, val_fraction=0.0, shuffle_seq=True)
    first = [int(np.flatnonzero(plain.train.y == digit)[0]) for digit in range(5)]
    figure = signals_figure(plain.train.x[first, 0], mixed.train.x[first, 0], list(range(5)), ctx.image("mnist1d.png"))
    section.add(
        Paragraph("MNIST-1D (Greydanus, 2020) turns the lecture's 1-D pictures into a benchmark: ten digit "
                  "templates as 40-sample signals, shifted, scaled, sheared and noised. Shuffling the 40 positions "
                  "(one fixed permutation for every signal) keeps every value but destroys locality and "
                  "translation symmetry:"),
        Figure([Image(ctx.relative(figure), "MNIST-1D signals and their shuffled versions", 860)],
               "Top: training signals of digits 0-4. Bottom: the same signals, positions shuffled."),
    )  # fmt: skip
    rows, results = [], {}
    for name, label in MNIST1D_NAMES.items():
        accuracy = []
        for tag, data in (("", plain), ("_shuffled", mixed)):
            run: Run = ctx.train(f"{name}{tag}", name, data, lr=0.01, batch_size=100, steps=budget.mnist1d_steps,
                                 train_subset=budget.mnist1d_train)  # fmt: skip
            accuracy.append(run.scores["test"]["accuracy"])
        paper = MNIST1D_PAPER[name]
        rows.append((label, f"{run.parameters:,}", percent(accuracy[0]), percent(accuracy[1]), f"{paper[0]} %",
                     f"{paper[1]} %"))  # fmt: skip
        results[name] = (accuracy[0], accuracy[1])
    section.add(
        Table(("model", "parameters", "test accuracy", "shuffled", "paper", "paper, shuffled"), rows,
              f"This run: Adam, learning rate 0.01, batches of 100, {budget.mnist1d_steps:,} steps on "
              f"{min(budget.mnist1d_train, len(plain.train)):,} training signals (the paper: 6,000 steps on 4,000), "
              "tested on the paper's 1,000 test signals. The paper's columns are its published numbers."),
        Paragraph(_lead(results), " The MLP and logistic regression never use the order of the positions, so "
                  "shuffling changes nothing for them but the random start."),
    )  # fmt: skip
    return results


def _lead(results: dict[str, tuple[float, float]]) -> str:
    """The CNN's lead over the MLP on the signals and on the shuffled signals, as measured."""
    (cnn_plain, cnn_mixed), (mlp_plain, mlp_mixed) = results["mnist1d_cnn"], results["mnist1d_mlp"]
    def lead(a: float, b: float) -> str:
        points = 100 * (a - b)
        return f"{abs(points):.1f} points {'ahead of' if points >= 0 else 'behind'}"

    return (f"In this run the CNN is {lead(cnn_plain, mlp_plain)} the MLP on the signals and "
            f"{lead(cnn_mixed, mlp_mixed)} it on the shuffled signals: its accuracy changes by "
            f"{100 * (cnn_mixed - cnn_plain):+.1f} points when locality is destroyed.")


# ---- 6. physics --------------------------------------------------------------------------------------------------
def physics(ctx: Context) -> Section:
    section = Section("physics", "Physics: the 2-D Ising model")
    budget = ctx.budget
    temperatures = np.round(np.linspace(1.0, 3.5, budget.ising_temperatures), 4)
    data = generate_ising(budget.ising_L, temperatures, budget.ising_samples,
                          thermalization_sweeps=budget.ising_thermalization, seed=ctx.seed)  # fmt: skip
    chains = 16  # generate_ising's default: sample j at a temperature comes from chain j % 16
    m_mean, m_err, e_mean, e_err = [], [], [], []
    for temperature in temperatures:
        at = data.temperature == temperature
        for means, errors, values in ((m_mean, m_err, data.abs_magnetization), (e_mean, e_err, data.energy)):
            mean, error, _ = mean_and_error(values[at].reshape(-1, chains).T)  # (samples,) -> (chains, rounds)
            means.append(mean)
            errors.append(error)
    fine = np.linspace(1.0, 3.5, 200)
    exact_e = exact_energy_per_spin(temperatures, budget.ising_L)
    curves = {
        "|m| per spin": {"mean": np.array(m_mean), "error": np.array(m_err), "exact": onsager_magnetization(fine),
                         "exact_T": fine, "exact_label": "Onsager's M(T), infinite lattice"},
        "energy per spin": {"mean": np.array(e_mean), "error": np.array(e_err),
                            "exact": exact_energy_per_spin(fine, budget.ising_L), "exact_T": fine,
                            "exact_label": f"Kaufman's exact E/N, {budget.ising_L}×{budget.ising_L} torus"},
    }  # fmt: skip
    observables = ising_observables_figure(temperatures, curves, CRITICAL_TEMPERATURE,
                                           ctx.image("ising_observables.png"))
    picks = [float(temperatures[np.argmin(np.abs(temperatures - t))]) for t in (1.5, CRITICAL_TEMPERATURE, 3.2)]
    samples = [data.x[np.flatnonzero(data.temperature == t)[0], 0] for t in picks]
    configurations = ising_configurations_figure(samples, picks, ctx.image("ising_configurations.png"))
    errors = np.array(e_err)
    pulls = np.divide(np.array(e_mean) - exact_e, errors, out=np.zeros_like(errors), where=errors > 0)
    section.add(
        Paragraph("Spins s = ±1 on an L×L torus with energy E = −Σ s·s' over neighbouring pairs, sampled at "
                  f"temperature T by Monte Carlo (checkerboard Metropolis with Wolff clusters near T_c): "
                  f"{len(data):,} configurations of {budget.ising_L}×{budget.ising_L} at {len(temperatures)} "
                  "temperatures. Below Onsager's critical temperature T_c = 2/ln(1 + √2) = ",
                  Strong(f"{CRITICAL_TEMPERATURE:.6f}"), " the spins order; above it they do not."),
        Figure([Image(ctx.relative(configurations), "Ising configurations", 700)],
               "One configuration below, near and above T_c (black +1, white −1)."),
        Figure([Image(ctx.relative(observables), "Ising observables against exact results", 900)],
               "Monte Carlo means with error bars from the measured autocorrelation time, against the exact "
               "solutions."),
        Table(("T", "⟨|m|⟩ (this run)", "Onsager's M(T)", "⟨E⟩/N (this run)", f"exact E/N, L = {budget.ising_L}",
               "difference / error"),
              [(f"{t:.3f}", f"{m:.4f} ± {dm:.4f}", f"{onsager_magnetization(t).item():.4f}", f"{e:.4f} ± {de:.4f}",
                f"{x:.4f}", f"{p:+.1f}" if de > 0 else "no spread") for t, m, dm, e, de, x, p in
               zip(temperatures, m_mean, m_err, e_mean, e_err, exact_e, pulls)],
              "The energy is compared with Kaufman's exact result for this finite torus; |m| with Onsager's "
              "infinite-lattice M(T), which a finite lattice rounds off near T_c."),
    )  # fmt: skip
    section.results = {"temperatures": len(temperatures), "samples": len(data), "max_pull": float(np.abs(pulls).max()),
                       "critical": CRITICAL_TEMPERATURE}  # fmt: skip
    return section
