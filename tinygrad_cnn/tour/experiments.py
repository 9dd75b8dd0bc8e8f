"""The report's sections that train or simulate: a CNN on the digits against MLPs, the MNIST-1D table with its
shuffled row, and the 2-D Ising model (Monte Carlo against the exact solutions).

The models are the named architectures of :mod:`tinygrad_cnn.models`, trained by :func:`tinygrad_cnn.train.fit`
(through :meth:`Context.train`); the pictures come from :mod:`tinygrad_cnn.train.plots`.
"""

from __future__ import annotations

import time

import numpy as np

from derivations.summary import summary

from ..data.autocorrelation import mean_and_error
from ..data.digits import load_digits
from ..data.ising import IsingDataset
from ..data.ising_exact import CRITICAL_TEMPERATURE, exact_energy_per_spin, onsager_magnetization
from ..data.mnist1d_signals import load_mnist1d
from ..graphs.api import to_dot
from ..models.architectures import ARCHITECTURES, build
from ..models.ising import ising_architecture
from ..train import ising_plots, plots
from ..train.ising import IsingRecipe, ising_data, train_phase_classifier, training_temperatures
from ..train.loop import predict
from ..train.metrics import confusion_matrix
from ..train.recipes import DIGITS
from ..train.runner import mnist1d_table
from .context import Context
from .figures import ising_observables_figure, signals_figure
from .report import Figure, Image, Paragraph, Section, Strong, Table
from .sections import _plot_images, graph_image, percent, summary_table

__all__ = ["cnn", "physics"]

MNIST1D_NAMES = {"mnist1d_logistic": "logistic regression", "mnist1d_mlp": "MLP 40→100→100→10",
                 "mnist1d_cnn": "CNN, three conv1d layers"}  # fmt: skip


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
    runs = {name: ctx.train(name, digits, DIGITS.recipe, epochs) for name in DIGITS.models}
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
        Paragraph(f"Trained from scratch ({DIGITS.recipe.describe()}) for {len(run.history)} "
                  f"epochs in {run.seconds:.1f} s, it reaches ", Strong(percent(run.scores["test"]["accuracy"])),
                  f" on the {len(digits.test)} test images."),
        Figure(images[:1], "Loss and accuracy per epoch, training and validation."),
        Figure(images[1:3], "The eight learned 3×3 filters, and what they make of one test digit (after ReLU)."),
        Figure(images[3:], "Test predictions: rows the true digit, columns the predicted one."),
    )  # fmt: skip
    rows, results = [], {}
    for name, label in (("digits_cnn", "CNN"), ("digits_mlp", "MLP 64→18→10, the CNN's size"),
                        ("digits_mlp10x", "MLP 64→182→10, ten times bigger")):  # fmt: skip
        r = runs[name]
        train, test = r.scores["train"]["accuracy"], r.scores["test"]["accuracy"]
        shift = DIGITS.extras(r.model, digits)["shifted_test_accuracy"]
        rows.append((label, f"{r.parameters:,}", percent(train), percent(test), f"{100 * (train - test):.1f}",
                     f"{r.seconds / len(r.history):.2f} s", percent(shift)))  # fmt: skip
        results[name] = {"parameters": r.parameters, "train": train, "test": test, "shifted": shift}
    section.add(
        Paragraph("Against MLPs trained the same way (same data, optimizer, epochs and seed). The last column moves "
                  "every test image by one pixel (the mean over right, left, down and up), a shift none of them saw in "
                  "training."),
        Table(("model", "parameters", "train accuracy", "test accuracy", "gap (points)", "time per epoch",
               "test, shifted by 1 pixel"), rows),
    )  # fmt: skip
    results["mnist1d"] = _mnist1d(ctx, section)
    section.results = results
    return section


def _mnist1d(ctx: Context, section: Section) -> dict[str, tuple[float, float]]:
    """The MNIST-1D table (:func:`tinygrad_cnn.train.runner.mnist1d_table`): three models, on the signals and on
    the signals with shuffled positions."""
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
    table = mnist1d_table(seeds=(ctx.seed,), steps=ctx.budget.mnist1d_steps, progress=ctx.progress)
    rows, results = [], {}
    for name, row in table["rows"].items():
        ours = (row["plain"]["median"], row["shuffled"]["median"])
        rows.append((MNIST1D_NAMES.get(name, name), f"{row['parameters']:,}", percent(ours[0]), percent(ours[1]),
                     f"{row['plain']['seconds']:.1f} s", percent(row["paper"]), percent(row["paper_shuffled"]),
                     percent(row["pytorch"])))  # fmt: skip
        results[name] = ours
    section.add(
        Table(("model", "parameters", "test accuracy", "shuffled", "time per run", "paper", "paper, shuffled",
               "PyTorch"), rows,
              f"This run: {table['recipe']} on the 4,000 training signals, tested on the paper's 1,000 (the recipe "
              "itself trains 6,000 steps). The last three columns are published or measured references at "
              "6,000 steps: the paper's table, and the same recipe in PyTorch."),
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


# ---- 6. physics ------------------------------------------------------------------------------------------------
def physics(ctx: Context) -> Section:
    section = Section("physics", "Physics: the Ising phase transition")
    budget = ctx.budget
    recipe = IsingRecipe(L=budget.ising_L, seed=ctx.seed, epochs=budget.ising_epochs,
                         train_samples=budget.ising_train[1], test_samples=budget.ising_test[1],
                         train_temperatures=training_temperatures(budget.ising_train[0]),
                         test_temperatures=tuple(np.linspace(1.0, 3.5, budget.ising_test[0])))  # fmt: skip
    start = time.perf_counter()
    train, test = ising_data(recipe)
    generated = time.perf_counter() - start
    run = train_phase_classifier(recipe, data=(train, test), progress=ctx.progress)
    fully_connected = build(ising_architecture("mlp", recipe.L)).num_parameters()
    configurations = ising_plots.plot_configurations(test, ctx.image("ising_configurations"), per_temperature=1)
    curve = ising_plots.plot_phase_curve(run, ctx.image("ising_phase_curve"))
    filters = ising_plots.plot_ising_filters(run.model, ctx.image("ising_filters"))
    section.add(
        Paragraph(f"Spins s = ±1 on an L×L torus (here L = {recipe.L}) with energy E = −Σ s·s' over neighbouring "
                  "pairs, sampled at temperature T by Monte Carlo (checkerboard Metropolis with Wolff clusters "
                  "near T_c). Below Onsager's critical temperature T_c = 2/ln(1 + √2) = ",
                  Strong(f"{CRITICAL_TEMPERATURE:.6f}"), " the spins order; above it they do not."),
        Figure([_plot_images(configurations, "Ising configurations", ctx, 760)],
               "Test configurations from fresh chains, below, near and above T_c."),
        Paragraph(f"Carrasquilla and Melko (2017) trained a network on configurations labelled ordered (T < T_c) "
                  f"or disordered, and read T_c off where its output crosses ½. Here a CNN with circular padding "
                  f"(the torus has no edges) of {run.parameters} parameters, against {fully_connected:,} for their "
                  f"fully connected network at this L, trained on {len(train):,} configurations at "
                  f"{len(recipe.train_temperatures)} temperatures (evenly spaced, T_c midway between two of them: "
                  f"the labels say only that T_c lies in that gap) for {len(run.history)} epochs "
                  f"({run.seconds['train']:.1f} s; the Monte Carlo data took {generated:.1f} s), is shown "
                  f"{len(test):,} configurations from fresh chains at {len(recipe.test_temperatures)} temperatures:"),
        Figure([_plot_images(curve, "P(ordered) against T", ctx, 640), _plot_images(filters, "learned filters", ctx,
                                                                                        420)],  # fmt: skip
               "Left: the network's P(ordered) against T, its T_c estimate and Onsager's. Right: its learned 3×3 "
               "filters."),
        Table(("model", "parameters", "accuracy, |T − T_c| ≥ 0.5", "T_c estimate", "Onsager's T_c", "difference"),
              [("CNN, circular padding", str(run.parameters), percent(run.accuracy_far),
                f"{run.critical_temperature:.4f}", f"{CRITICAL_TEMPERATURE:.4f}",
                f"{100 * run.relative_error:+.2f} %")],
              f"One seed ({ctx.seed}), L = {recipe.L}; the finite lattice shifts the crossing, which the finite-size "
              "scaling of tinygrad-cnn train ising --fss extrapolates away."),
    )  # fmt: skip
    max_pull = _observables(ctx, section, test)
    section.results = {"critical": run.critical_temperature, "relative_error": run.relative_error,
                       "accuracy_far": run.accuracy_far, "parameters": run.parameters, "max_pull": max_pull}
    return section


def _observables(ctx: Context, section: Section, data: IsingDataset) -> float:
    """The Monte Carlo data against the exact solutions: |m| against Onsager's M(T), the energy against
    Kaufman's finite-torus result, with error bars from the measured autocorrelation time."""
    temperatures, L, chains = data.temperatures, data.L, 16  # sample j at a temperature comes from chain j % 16
    means = {"m": [], "dm": [], "e": [], "de": []}
    for temperature in temperatures:
        at = data.temperature == temperature
        for key, values in (("m", data.abs_magnetization), ("e", data.energy)):
            mean, error, _ = mean_and_error(values[at].reshape(-1, chains).T)  # (samples,) -> (chains, rounds)
            means[key].append(mean)
            means["d" + key].append(error)
    m, dm, e, de = (np.array(means[k]) for k in ("m", "dm", "e", "de"))
    fine = np.linspace(temperatures[0], temperatures[-1], 200)
    exact = exact_energy_per_spin(temperatures, L)
    curves = {
        "|m| per spin": {"mean": m, "error": dm, "exact": onsager_magnetization(fine), "exact_T": fine,
                         "exact_label": "Onsager's M(T), infinite lattice"},
        "energy per spin": {"mean": e, "error": de, "exact": exact_energy_per_spin(fine, L), "exact_T": fine,
                            "exact_label": f"Kaufman's exact E/N, {L}×{L} torus"},
    }  # fmt: skip
    figure = ising_observables_figure(temperatures, curves, CRITICAL_TEMPERATURE, ctx.image("ising_observables.png"))
    pulls = np.divide(e - exact, de, out=np.zeros_like(de), where=de > 0)
    within = int(np.sum(np.abs(pulls) <= 3))
    section.add(
        Paragraph("The physics behind the data, checked: the mean energy per spin of the test configurations "
                  f"lies within 3 error bars of Kaufman's exact value for this {L}×{L} torus at ", Strong(f"{within}"),
                  f" of {len(temperatures)} temperatures (largest deviation {np.abs(pulls).max():.1f} error bars), "
                  "and |m| is drawn against Onsager's M(T) for the infinite lattice, which a finite one rounds off "
                  "near T_c."),
        Figure([Image(ctx.relative(figure), "Ising observables against exact results", 900)],
               "Monte Carlo means (error bars from the measured autocorrelation time) against the exact solutions."),
    )  # fmt: skip
    return float(np.abs(pulls).max())
