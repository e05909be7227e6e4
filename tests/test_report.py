"""Sweep outputs: the CSV agrees with the rows, the page links its figures and tables."""

import csv
import json
import math

import pytest

from sandbox.evaluation.report import (
    CSV_COLUMNS,
    format_table,
    load_summary,
    save_sweep,
    write_figures,
    write_page,
)
from sandbox.evaluation.sweep import SweepConfig, SweepResult


def result() -> SweepResult:
    rows = [
        {"player": f"step {step} sims={s}", "kind": "network", "model": f"step {step}",
         "step": step, "sims": s, "accuracy": acc, "accuracy_low": acc - 0.1,
         "accuracy_high": acc + 0.1, "strict": acc - 0.1, "elo": 50.0 * s + step,
         "elo_low": 0.0, "elo_high": 500.0, "think_ms": 1.0 + s, "changed": math.nan}
        for step in (100, 400)
        for s, acc in ((0, 0.5 + step / 4000), (4, 0.6 + step / 4000), (16, 0.7 + step / 4000))
    ]  # fmt: skip
    rows.append({"player": "random", "kind": "anchor", "model": "random", "sims": "",
                 "accuracy": 0.6, "elo": 0.0, "elo_low": 0.0, "elo_high": 0.0})  # fmt: skip
    references = {"random (expected)": 0.6}
    return SweepResult("connect4-5x4", SweepConfig(), rows=rows, references=references)


def test_csv_has_fixed_columns_and_the_rows_values_with_nan_left_empty(tmp_path):
    res = result()
    save_sweep(res, tmp_path, command="sandbox sweep connect4-5x4 --quick")
    with open(tmp_path / "results.csv") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == CSV_COLUMNS
        written = list(reader)
    assert [r["player"] for r in written] == [r["player"] for r in res.rows]
    for row, out in zip(res.rows, written, strict=True):
        assert float(out["accuracy"]) == pytest.approx(row["accuracy"])
        assert float(out["elo"]) == pytest.approx(row["elo"])
    assert written[0]["changed"] == ""  # NaN
    summary = load_summary(tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    assert summary["exchange"][0]["earlier_step"] == 100  # two checkpoints: one rate


def test_page_links_every_figure_and_states_the_exchange_rate(tmp_path):
    summary = save_sweep(result(), tmp_path, command="sandbox sweep connect4-5x4")
    images = write_figures(summary, tmp_path)
    assert {p.name for p in images} >= {"strength_vs_sims.png", "elo_vs_sims.png"}
    page = write_page(summary, tmp_path, images).read_text()
    for image in images:
        assert f"]({image.name})" in page
    assert "| step 100 sims=0 |" in page
    # Step 400 is 0.075 more accurate at every budget; step 100 gains 0.05 per doubling of
    # simulations, so it needs 1.5 doublings (x2.8) to catch up: 1.5 per 2 doublings of steps.
    exchange = (
        "## Train-time against test-time compute\n\n"
        "Curves of checkpoints of one run are ordered by training.\n\n"
        "- step 100 needs about x2.8 the simulations of step 400 for the same accuracy: each "
        "doubling of training steps was worth about 0.75 doublings of simulations "
        "(2 matched budgets)."
    )
    assert exchange in page
    html_page = write_page(summary, tmp_path, images, as_html=True).read_text()
    assert html_page.startswith("<!doctype html>") and '<img src="elo_vs_sims.png"' in html_page


def test_terminal_table_lists_every_player_with_its_interval():
    text = format_table(result().rows)
    assert "step 400 sims=16" in text and "random" in text
    assert "0.800 [0.700, 0.900]" in text
