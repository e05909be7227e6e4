"""Reading the exchange rate between training steps and simulations off checkpoint curves."""

import math

import pytest

from sandbox.evaluation.exchange import (
    curve,
    exchange,
    exchange_rates,
    ordered_by_training,
    sims_to_reach,
)

SIMS = (0, 1, 2, 4, 8, 16, 32, 64)


def rows(model: str, step: int, shift: float):
    """Accuracy rising by 0.05 per doubling, `shift` doublings ahead of the baseline."""
    return [
        {"model": model, "step": step, "sims": s, "kind": "network",
         "accuracy": min(1.0, 0.5 + 0.05 * (math.log2(max(s, 1)) + shift))}
        for s in SIMS
    ]  # fmt: skip


def test_a_network_two_doublings_ahead_is_worth_four_times_the_simulations():
    early, late = rows("step 100", 100, 0.0), rows("step 400", 400, 2.0)
    rate = exchange(early, late)
    assert rate is not None
    assert rate.sims_factor == pytest.approx(4.0)
    assert rate.doublings_per_doubling == pytest.approx(1.0)  # 2 doublings of steps, 2 of sims
    assert all(needed == pytest.approx(4 * sims) for sims, needed in rate.matches)
    assert "x4.0" in rate.sentence()


def test_unreachable_strength_is_not_matched():
    points = curve(rows("a", 1, 0.0), "accuracy")
    assert sims_to_reach(points, 0.99) is None
    assert sims_to_reach(points, 0.575) == pytest.approx(2**1.5)


def test_curve_uses_system_one_for_one_simulation_and_is_monotone():
    points = curve([{"sims": 0, "a": 0.5}, {"sims": 2, "a": 0.7}, {"sims": 4, "a": 0.6}], "a")
    assert points == [(0.0, 0.5), (1.0, 0.7), (2.0, 0.7)]


def test_three_checkpoints_give_consecutive_and_first_to_last_rates_in_training_order():
    table = rows("s900", 900, 3.0) + rows("s100", 100, 0.0) + rows("s300", 300, 1.0)
    rates = exchange_rates(table)
    assert [(r.earlier_step, r.later_step) for r in rates] == [(100, 300), (300, 900), (100, 900)]
    assert ordered_by_training(table)
    assert not ordered_by_training(rows("a", 100, 2.0) + rows("b", 300, 0.0))


def test_a_later_checkpoint_that_is_not_stronger_is_said_so():
    rate = exchange(rows("step 100", 100, 1.0), rows("step 400", 400, 0.0))
    assert rate is not None and rate.sims_factor < 1
    assert "no stronger" in rate.sentence()


def test_without_labelled_positions_the_rate_is_read_off_elo():
    """Hex and Go sweeps have Elo but no accuracy: the rate comes from the Elo curves."""
    from sandbox.evaluation.exchange import exchange_metric

    def elo_rows(model, step, shift):
        return [
            {"model": model, "step": step, "sims": s, "kind": "network",
             "elo": 500 + 60 * (math.log2(max(s, 1)) + shift)}
            for s in SIMS
        ]  # fmt: skip

    all_rows = elo_rows("step 100", 100, 0.0) + elo_rows("step 400", 400, 2.0)
    assert exchange_metric(all_rows) == "elo"
    assert exchange_metric(rows("step 100", 100, 0.0)) == "accuracy"
    [rate] = exchange_rates(all_rows, "elo")
    assert rate.sims_factor == pytest.approx(4.0)
    assert "same Elo" in rate.sentence("elo")
