"""`sandbox bench` code path, tiny and untimed: every phase runs and every figure is filled in."""

from __future__ import annotations

import pytest

from games.errors import UserError
from sandbox.commands.bench import parse_net
from sandbox.evaluation.bench import BenchSettings, run_bench


def test_bench_runs_every_phase_and_reports_every_ratio():
    settings = BenchSettings(
        game="tic-tac-toe", channels=4, blocks=1, games=2, sims=4, seconds=0.02, leaves=2
    )
    result = run_bench(settings)
    assert result.selfplay["moves"] > 0 and result.baseline["games"] == 1
    assert set(result.forward) == {1, 2, 64} and result.forward_at_search_batch > 0
    assert result.single["sims_per_s"] > 0 and result.openspiel_sims_per_s > 0
    ratios = result.to_dict()["ratios"]
    assert all(value > 0 for value in ratios.values())
    # The forward calls are part of self-play's time, never more than all of it.
    assert 0 < result.selfplay["network_time_share"] < 1
    assert result.selfplay["forward_in_selfplay_per_process"] > 0


def test_net_size_must_look_like_channels_x_blocks():
    assert parse_net("64x4") == (64, 4)
    with pytest.raises(UserError, match="64x4"):
        parse_net("big")
