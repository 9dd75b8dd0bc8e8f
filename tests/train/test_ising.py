"""The Ising phase classifier: the crossing and the finite-size fit on synthetic curves with known answers, the
models' counts and symmetries, and a short training run that must find T_c."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tinygrad_cnn import Tensor
from tinygrad_cnn.data import CRITICAL_TEMPERATURE, IsingDataset
from tinygrad_cnn.models import ARCHITECTURES
from tinygrad_cnn.models.ising import ising_architecture
from tinygrad_cnn.train import architecture_of
from tinygrad_cnn.train.ising import (
    IsingRecipe,
    crossing_temperature,
    extrapolate_critical_temperature,
    finite_size_scaling,
    ising_model,
    phase_curve,
    training_temperatures,
)

GRID = np.linspace(1.0, 3.5, 51)


# ---- the crossing ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("center", [2.269185, 2.2, 2.3333, 2.05, 2.74])
@pytest.mark.parametrize("width", [0.03, 0.1, 0.3])
def test_crossing_of_a_symmetric_step_is_its_centre(center, width):
    p = 0.5 * (1 + np.tanh((GRID - center) / width))
    found = crossing_temperature(GRID, p)
    assert len(found.crossings) == 1
    # linear interpolation of tanh between two grid points 0.05 apart: off by at most a few thousandths
    assert found.estimate == pytest.approx(center, abs=0.004 if width < 0.05 else 1e-3)


def test_crossing_of_a_noisy_curve_is_the_mean_of_its_crossings():
    t = np.array([2.0, 2.1, 2.2, 2.3, 2.4])
    p = np.array([0.1, 0.6, 0.4, 0.7, 0.9])  # up through 1/2, down, up again
    found = crossing_temperature(t, p)
    assert found.crossings == pytest.approx((2.08, 2.15, 2.2333333333))
    assert found.estimate == pytest.approx(np.mean([2.08, 2.15, 2.2333333333]))


def test_a_point_exactly_at_one_half_is_one_crossing_and_a_falling_curve_works_too():
    assert crossing_temperature([1, 2, 3], [0.9, 0.5, 0.1]).crossings == (2.0,)
    assert crossing_temperature([1, 2], [0.9, 0.3]).estimate == pytest.approx(1 + 0.4 / 0.6)


@pytest.mark.parametrize(
    "t, p, match",
    [
        ([1, 2, 3], [0.1, 0.2, 0.3], "never crosses 0.5 .*from 0.1 to 0.3"),
        ([1, 2, 3], [0.1, 0.9], "same length"),
        ([1], [0.1], "same length >= 2"),
        ([1, 3, 2], [0.1, 0.5, 0.9], "increasing"),
        ([1, 2, 3], [0.1, np.nan, 0.9], "finite"),
    ],
)
def test_crossing_rejects_what_has_no_crossing(t, p, match):
    with pytest.raises(ValueError, match=f"crossing_temperature: .*{match}"):
        crossing_temperature(t, p)


# ---- finite-size scaling -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("tc, a", [(2.269185, 0.8), (2.269185, -0.3), (1.5, 0.0)])
def test_the_fit_recovers_tc_plus_a_over_l_exactly(tc, a):
    sizes = [16, 24, 32]
    fit = extrapolate_critical_temperature(sizes, [tc + a / L for L in sizes])
    assert fit.intercept == pytest.approx(tc, abs=1e-12)
    assert fit.slope == pytest.approx(a, abs=1e-10)
    assert fit.intercept_error == pytest.approx(0, abs=1e-9)
    assert fit(24) == pytest.approx(tc + a / 24)


def test_the_intercept_error_covers_the_scatter_of_noisy_fits():
    rng = np.random.default_rng(0)
    sizes, noise = np.array([8, 12, 16, 24, 32]), 0.01
    fits = [extrapolate_critical_temperature(sizes, 2.27 + 0.5 / sizes + noise * rng.standard_normal(5))
            for _ in range(400)]  # fmt: skip
    intercepts = np.array([f.intercept for f in fits])
    # the true spread of the intercept: noise * sqrt(1/n + mean(x)^2 / Sxx)
    x = 1 / sizes
    expected = noise * np.sqrt(1 / 5 + x.mean() ** 2 / ((x - x.mean()) ** 2).sum())
    assert intercepts.std() == pytest.approx(expected, rel=0.15)
    assert np.sqrt(np.mean([f.intercept_error**2 for f in fits])) == pytest.approx(expected, rel=0.15)
    assert abs(intercepts.mean() - 2.27) < 4 * expected / np.sqrt(len(fits))


def test_two_sizes_give_a_line_without_an_error_and_one_size_is_refused():
    assert extrapolate_critical_temperature([16, 32], [2.3, 2.29]).intercept_error is None
    with pytest.raises(ValueError, match="two or more distinct sizes"):
        extrapolate_critical_temperature([16, 16], [2.3, 2.29])
    with pytest.raises(ValueError, match="two or more distinct sizes"):
        extrapolate_critical_temperature([16, 24], [2.3])


def test_propagated_errors_match_the_scatter_of_intercepts_from_noisy_means():
    rng = np.random.default_rng(1)
    sizes, sigma = np.array([16, 24, 32]), np.array([0.006, 0.005, 0.003])
    fits = [extrapolate_critical_temperature(sizes, 2.27 + 0.4 / sizes + sigma * rng.standard_normal(3), sigma)
            for _ in range(2000)]  # fmt: skip
    intercepts = np.array([f.intercept for f in fits])
    assert len({f.intercept_error for f in fits}) == 1  # from the errors, not from the residuals
    assert intercepts.std() == pytest.approx(fits[0].intercept_error, rel=0.05)
    assert fits[0].errors == tuple(sigma)


@pytest.mark.parametrize("errors", [[0.01, -0.01, 0.01], [0.01, float("nan"), 0.01], [0.01, 0.01]])
def test_errors_must_be_one_finite_non_negative_number_per_size(errors):
    with pytest.raises(ValueError, match="errors must be 3 finite numbers >= 0"):
        extrapolate_critical_temperature([16, 24, 32], [2.3, 2.29, 2.28], errors)


def test_runs_in_worker_processes_give_the_same_fit_as_one_process(tmp_path):
    recipe = IsingRecipe(L=4, epochs=2, train_samples=32, test_samples=16, test_temperatures=tuple(GRID[::5]))
    one = finite_size_scaling(recipe, (4, 6), (0, 1), cache_dir=tmp_path)
    seen = []
    two = finite_size_scaling(recipe, (4, 6), (0, 1), cache_dir=tmp_path, workers=2,
                              report=lambda run: seen.append((run.recipe.L, run.recipe.seed)))  # fmt: skip
    assert two.fit == one.fit and sorted(seen) == [(4, 0), (4, 1), (6, 0), (6, 1)]
    assert [[run.recipe.seed for run in runs] for runs in two.runs.values()] == [[0, 1], [0, 1]]
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        finite_size_scaling(recipe, (4, 6), (0,), workers=0)


# ---- the training grid ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("count, low, high", [(20, 1.0, 3.5), (2, 2.0, 2.5), (7, 1.5, 2.4), (10, 2.2, 4.0)])
def test_training_temperatures_are_even_in_the_range_with_tc_midway_between_two(count, low, high):
    grid = np.array(training_temperatures(count, low, high))
    step = np.diff(grid)
    assert len(grid) == count and np.allclose(step, step[0]) and step[0] > 0
    assert grid[0] >= low - 1e-12 and grid[-1] <= high + 1e-12
    assert np.isclose(grid[0], low) or np.isclose(grid[-1], high)  # the widest step that fits
    below = grid[grid < CRITICAL_TEMPERATURE]
    assert len(below) == count // 2
    assert (below[-1] + grid[len(below)]) / 2 == pytest.approx(CRITICAL_TEMPERATURE, abs=1e-12)


@pytest.mark.parametrize("args", [(1,), (2.5,), (True,), (20, 2.3, 3.5), (20, 1.0, 2.2), (20, "1", 3.5)])
def test_training_temperatures_refuse_a_grid_without_tc_inside(args):
    with pytest.raises(ValueError, match="training_temperatures: "):
        training_temperatures(*args)


# ---- the curve's error bars come from independent chains -----------------------------------------------------------
def test_phase_curve_averages_per_temperature_with_the_spread_between_chains():
    chains, rounds = 4, 3
    temperature = np.repeat([2.0, 2.5], chains * rounds)
    # sample j at a temperature comes from chain j % chains: give each chain its own constant value
    p = np.tile(np.tile([0.1, 0.2, 0.3, 0.4], rounds), 2)
    data = IsingDataset(np.ones((24, 1, 4, 4), np.float32), (temperature > CRITICAL_TEMPERATURE).astype(np.int64),
                        temperature=temperature, energy=np.zeros(24), magnetization=np.zeros(24))  # fmt: skip
    t, mean, error = phase_curve(p, data, chains=chains)
    assert t.tolist() == [2.0, 2.5]
    assert mean == pytest.approx([0.25, 0.25])
    assert error == pytest.approx([np.std([0.1, 0.2, 0.3, 0.4], ddof=1) / 2] * 2)


# ---- models --------------------------------------------------------------------------------------------------------
def test_the_cnn_has_98_parameters_at_every_size_and_the_mlp_carrasquilla_melkos_count():
    for L in (8, 16, 32):
        assert ising_model("cnn", L).num_parameters() == 98
        assert ising_model("mlp", L).num_parameters() == (L * L + 1) * 100 + 101 * 2
    assert ARCHITECTURES["ising_cnn"].published["parameters"] == 98
    assert ARCHITECTURES["ising_mlp"].published["parameters"] == 25_902


def test_the_circular_cnn_is_exactly_translation_invariant_on_the_torus(rng):
    model = ising_model("cnn", 8, seed=3)
    spins = rng.choice([-1.0, 1.0], size=(2, 1, 8, 8)).astype(np.float32)
    out = model(Tensor(spins)).numpy()
    for shift in [(1, 0), (0, 3), (5, 7)]:
        rolled = np.roll(spins, shift, axis=(2, 3))
        np.testing.assert_allclose(model(Tensor(rolled)).numpy(), out, rtol=1e-5, atol=1e-6)
    # a zero-padded conv sees the border: the same weights give another answer on a shifted lattice
    zero = ising_model("cnn", 8, seed=3)
    zero[0].padding_mode = "zeros"
    assert not np.allclose(zero(Tensor(np.roll(spins, (1, 0), axis=(2, 3)))).numpy(), zero(Tensor(spins)).numpy())


def test_checkpoints_name_the_architecture_and_keep_the_circular_padding():
    assert architecture_of(ising_model("cnn", 16), (1, 16, 16)) == "ising_cnn"
    assert architecture_of(ising_model("mlp", 16), (1, 16, 16)) == "ising_mlp"
    layers = architecture_of(ising_model("cnn", 24), (1, 24, 24))
    assert isinstance(layers, list) and layers[0]["padding_mode"] == "circular"
    assert ising_architecture("cnn", 24).layers[0].describe() == "conv 3×3 p1 circular + relu"
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        dataclasses.replace(ising_architecture("cnn", 16).layers[1], padding_mode="circular")


def test_recipes_are_checked_where_they_are_made():
    with pytest.raises(ValueError, match="model must be one of"):
        IsingRecipe(model="resnet")
    with pytest.raises(ValueError, match="L must be even"):
        IsingRecipe(L=9)
    with pytest.raises(ValueError, match="both sides of T_c"):
        IsingRecipe(train_temperatures=(1.0, 2.0))
    with pytest.raises(ValueError, match="lr must be a positive number"):
        IsingRecipe(lr=0.0)


# ---- a short training run ----------------------------------------------------------------------------------------
def test_a_short_run_finds_tc_and_is_right_far_from_it(short_ising_run, short_recipe):
    run = short_ising_run
    # the short form (L = 8, 100 configurations per temperature, 8 epochs): measured within 1.5 % over seeds
    # 0-4; a broken model or wrong labels land tens of percent away, or never cross
    assert abs(run.relative_error) < 0.04, run.critical_temperature
    assert run.accuracy_far > 0.97
    assert run.parameters == 98
    metrics = run.metrics()
    assert metrics["critical_temperature"] == run.critical_temperature
    assert metrics["architecture"] == "ising_cnn_L8"
    assert len(metrics["curve"]["temperature"]) == len(short_recipe.test_temperatures)
    # fresh test chains: the test data are not the training data
    assert run.test is not None and run.test.L == short_recipe.L
