"""Sweep and training figures: labelled axes, legends, error bars, System 1 on the log axis."""

import matplotlib.image

from viz import plots

SIMS = (0, 1, 2, 4, 8)


def sweep_rows():
    rows = []
    for model, base in (("step 100", 0.5), ("step 400", 0.6)):
        for i, s in enumerate(SIMS):
            acc = base + 0.04 * i
            rows.append({
                "player": f"{model} sims={s}", "kind": "network", "model": model, "sims": s,
                "accuracy": acc, "accuracy_low": acc - 0.05, "accuracy_high": acc + 0.05,
                "strict": acc - 0.1, "elo": 100 * i, "elo_low": 100 * i - 30,
                "elo_high": 100 * i + 30, "think_ms": 1 + 2 * s,
                "changed": 0.1 * i, "fixed": 0.05 * i, "broken": 0.01 * i,
            })  # fmt: skip
    rows.append({"player": "random", "kind": "anchor", "model": "random", "sims": "", "elo": 0})
    return rows


def is_png(path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_strength_plot_has_labelled_axes_legend_error_bars_and_system_one_tick(tmp_path):
    fig = plots.strength_vs_sims(sweep_rows(), references={"random (expected)": 0.6})
    [ax] = fig.axes
    assert "accuracy" in ax.get_ylabel() and "simulations" in ax.get_xlabel()
    assert ax.get_xscale() == "symlog"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["S1", "1", "2", "4", "8"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "step 100" in legend and "step 400" in legend
    assert len(ax.containers) == 2  # one errorbar container per model
    path = plots.save(fig, tmp_path / "s.png")
    assert is_png(path) and matplotlib.image.imread(path).shape[0] > 100


def test_elo_plot_shows_each_model_and_the_anchors(tmp_path):
    fig = plots.elo_vs_sims(sweep_rows(), anchors={"random": 0.0, "rollout:sims=16": 250.0})
    [ax] = fig.axes
    assert "Elo" in ax.get_ylabel()
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"step 100", "step 400"}
    assert {t.get_text() for t in ax.texts} >= {"random", "rollout MCTS, 16 sims"}
    assert is_png(plots.save(fig, tmp_path / "elo.png"))


def test_time_plot_uses_log_time_and_marks_budgets():
    fig = plots.strength_vs_time(sweep_rows())
    [ax] = fig.axes
    assert ax.get_xscale() == "log" and "ms" in ax.get_xlabel()
    assert "S1" in {t.get_text() for t in ax.texts}


def test_search_change_plot_has_one_panel_per_model():
    fig = plots.search_changes(sweep_rows())
    assert len(fig.axes) == 2
    assert all(ax.get_ylabel() == "fraction of positions" for ax in fig.axes)


def test_training_curves_tolerate_missing_keys_and_other_names(tmp_path):
    metrics = [
        {"step": 0, "iteration": 1},
        {"step": 100, "iteration": 2, "loss_policy": 1.5, "loss_value": 0.4},
        {"step": 200, "iteration": 3, "policy_loss": 1.2, "value_loss": "",
         "eval/mcts_vs_random_score": 0.8},
    ]  # fmt: skip
    fig = plots.training_curves(metrics)
    loss_ax, eval_ax = fig.axes
    assert loss_ax.get_xlabel() == "training step"
    assert {t.get_text() for t in loss_ax.get_legend().get_texts()} == {
        "policy loss",
        "value loss",
    }
    assert [t.get_text() for t in eval_ax.get_legend().get_texts()] == ["mcts_vs_random_score"]
    assert is_png(plots.save(fig, tmp_path / "train.png"))


def test_training_curves_of_an_empty_run_still_draw():
    fig = plots.training_curves([])
    assert fig.axes[1].get_title().startswith("Evaluations (none")


def test_training_curves_add_strength_by_training_minutes_when_accuracy_is_logged():
    from viz.plots import training_curves

    rows = [
        {"step": 40 * i, "loss": 2 - i / 10, "wall_seconds": 60.0 * i,
         "eval/policy_accuracy": 0.7 + i / 100, "eval/mcts_accuracy": 0.8 + i / 100}
        for i in range(1, 6)
    ]  # fmt: skip
    fig = training_curves(rows)
    axes = fig.get_axes()
    assert len(axes) == 3
    by_time = axes[2]
    assert by_time.get_xlabel() == "training minutes"
    lines = {line.get_label(): line for line in by_time.get_lines()}
    assert set(lines) == {"System 1 (policy)", "System 2 (mcts)"}
    assert list(lines["System 2 (mcts)"].get_xdata()) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert len(training_curves([{k: v for k, v in r.items() if k != "wall_seconds"}
                                for r in rows]).get_axes()) == 2  # fmt: skip


def test_training_curves_show_a_changing_learning_rate_beside_the_losses(tmp_path):
    """A run with a schedule gets the rate on a log axis of its own; a constant one does not."""
    rows = [{"step": 40 * i, "loss": 2 - i / 10, "learning_rate": 2e-3 * 0.5 ** max(0, i - 3)}
            for i in range(1, 7)]  # fmt: skip
    fig = plots.training_curves(rows)
    rate_ax = fig.axes[-1]
    assert rate_ax.get_ylabel() == "learning rate" and rate_ax.get_yscale() == "log"
    [line] = rate_ax.get_lines()
    assert list(line.get_ydata()) == [r["learning_rate"] for r in rows]
    # one legend names both axes' lines (two legends had landed on top of each other)
    assert fig.axes[0].get_legend() is None
    assert [t.get_text() for t in rate_ax.get_legend().get_texts()] == [
        "total loss",
        "learning rate",
    ]
    assert is_png(plots.save(fig, tmp_path / "rate.png"))
    flat = [dict(r, learning_rate=2e-3) for r in rows]
    assert len(plots.training_curves(flat).axes) == 2


def test_a_training_curve_draws_the_compared_run_dashed_in_the_same_colours(tmp_path):
    """benchmarks/training_curve.py --compare: two recipes at equal training minutes, one
    picture; each budget keeps its colour, the compared run is the dashed line."""
    from sandbox.evaluation.progress import CheckpointScore, curve_figure, write_curve

    new = [CheckpointScore(40 * i, 5.0 * i, 100 * i, {0: 0.7 + i / 50, 100: 0.9}) for i in (1, 2)]
    old = [CheckpointScore(40 * i, 6.0 * i, 90 * i, {0: 0.7, 100: 0.88}) for i in (1, 2, 3)]
    ax = curve_figure(new, "connect4", old, "old recipe").axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {
        "System 1 (network alone)",
        "System 1 (network alone), old recipe",
        "System 2 (100 simulations)",
        "System 2 (100 simulations), old recipe",
    }
    dashed = lines["System 1 (network alone), old recipe"]
    assert dashed.get_linestyle() == "--"
    assert list(dashed.get_xdata()) == [6.0, 12.0, 18.0]
    assert dashed.get_color() == lines["System 1 (network alone)"].get_color()
    assert lines["System 2 (100 simulations)"].get_color() != dashed.get_color()
    assert is_png(write_curve(new, tmp_path / "curve.png", "connect4", old, "old recipe"))
