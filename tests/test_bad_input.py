"""Bad input at the edge, property-based: game strings, spec strings, TOML configs, `--set`
values, position files and checkpoint bytes that are wrong by construction each give exit status
2 and one line, never a traceback, never a changed file (`edge_cli.refused_unchanged`). The CLI
runs in-process, except for game strings: they go to a worker process, so that a segfault or a
hang inside OpenSpiel fails the test instead of killing pytest. The examples of the bad-input
report, one by one, are in `test_bad_input_examples.py`; `-s` prints the cases tried per kind.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing

import numpy as np
import pytest
import torch
from edge_cli import (
    CASES,
    FAST,
    TINY,
    Worker,
    assert_refused,
    bytes_of,
    fresh_folder,
    model_bytes,
    payload_of,
    refused_by_worker,
    refused_unchanged,
    report_cases,
    run_cli,
    snapshot,
    tic_tac_toe_positions,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from games.parameters import BOARD_PARAMETERS
from sandbox.config import Config, parse_range
from sandbox.specs import _PARAMS, _RANGES, KINDS


@pytest.fixture(scope="module", autouse=True)
def _report_cases():
    yield
    report_cases()


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    with Worker(tmp_path_factory.mktemp("worker")) as w:
        yield w


# ---------------------------------------------------------------------------------------------
# Game strings.


@st.composite
def out_of_range_game_strings(draw) -> str:
    """A game of BOARD_PARAMETERS with one integer parameter outside its range."""
    game = draw(st.sampled_from(sorted(BOARD_PARAMETERS)))
    ranges = BOARD_PARAMETERS[game]
    key = draw(st.sampled_from(sorted(ranges)))
    low, high = ranges[key]
    bad = draw(st.integers(max_value=low - 1) | st.integers(min_value=high + 1))
    others = {
        k: draw(st.integers(*ranges[k]))
        for k in draw(st.lists(st.sampled_from(sorted(ranges)), unique=True, max_size=2))
        if k != key
    }
    items = [*others.items(), (key, bad)]
    draw(st.randoms()).shuffle(items)
    return f"{game}({','.join(f'{k}={v}' for k, v in items)})"


@settings(FAST, max_examples=60)
@given(text=out_of_range_game_strings())
def test_game_strings_with_impossible_sizes_are_refused_before_openspiel(worker, text):
    CASES["game strings"] += 1
    assert "out of range" in refused_by_worker(worker, text)


GARBLE = st.text(alphabet="(),=_-.0123456789abcxyz ", max_size=24)


@settings(FAST, max_examples=60)
@given(
    name=st.sampled_from(["tic_tac_toe", "connect_four", "hex", "go", "breakthrough"]),
    rest=GARBLE,
)
def test_garbled_game_strings_give_one_line_or_a_game(worker, name, rest):
    CASES["game strings"] += 1
    argv = ["match", "random", "random", "--game", name + rest, "--games", "2"]
    answer = worker.ask({"argv": argv})
    assert "Traceback" not in answer["err"], answer["err"]
    if answer["code"] != 0:
        assert_refused(answer["code"], answer["err"])


PLAYABLE = ["connect_four", "hex", "go", "breakthrough", "clobber", "dots_and_boxes", "y"]


@settings(FAST, max_examples=25)
@given(data=st.data(), game=st.sampled_from(PLAYABLE))
def test_every_size_in_range_loads_encodes_and_plays_to_the_end(worker, data, game):
    """The other side of the table: what it lets through is a board the sandbox can use."""
    CASES["game strings"] += 1
    ranges = BOARD_PARAMETERS[game]
    keys = data.draw(st.lists(st.sampled_from(sorted(ranges)), unique=True, min_size=1))
    if game == "hex":  # board_size sets both sides, num_rows / num_cols one each
        keys = ["board_size"] if "board_size" in keys else keys
    text = f"{game}({','.join(f'{k}={data.draw(st.integers(*ranges[k]))}' for k in keys)})"
    answer = worker.ask({"contract": text})
    assert answer["code"] in (0, "exception"), answer
    if answer["code"] == "exception":  # refused as unsupported is fine; a crash is not
        assert "UserError" in answer["err"], answer["err"]


# ---------------------------------------------------------------------------------------------
# --set values and TOML configs.


def _fields() -> list[tuple[str, str, typing.Any, typing.Any]]:
    """(section, key, type, range or None) of every config field but the game."""
    out = []
    for section in dataclasses.fields(Config):
        if section.name == "game":
            continue
        cls = typing.get_type_hints(Config)[section.name]
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            out.append((section.name, f.name, hints[f.name], cls.RANGES.get(f.name)))
    return out


FIELDS = _fields()


def _toml(value: typing.Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _outside(allowed, ftype) -> st.SearchStrategy:
    """Numbers outside a range ("[1, 100]", "> 0", ...) of an int or float field."""
    low, has_low, high, has_high = parse_range(allowed)
    if ftype is int:
        below = st.integers(max_value=math.ceil(low) - (1 if has_low else 0))
        options = [below]
        if math.isfinite(high):
            options.append(st.integers(min_value=math.floor(high) + (1 if has_high else 0)))
        return st.one_of(options)
    options = [
        st.floats(max_value=low, exclude_max=has_low, allow_nan=False, allow_infinity=False),
        st.sampled_from([math.nan, math.inf, -math.inf]),
    ]
    if math.isfinite(high):
        options.append(st.floats(min_value=high, exclude_min=has_high, allow_infinity=False))
    return st.one_of(options)


def _inside(value: float, allowed: str) -> bool:
    low, has_low, high, has_high = parse_range(allowed)
    above = value >= low if has_low else value > low
    return math.isfinite(value) and above and (value <= high if has_high else value < high)


WRONG_TYPES = st.one_of(
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2),
)


@st.composite
def bad_settings(draw) -> tuple[str, str, typing.Any]:
    """(section, key, value): a value of the wrong type or out of the field's range, or a key
    that does not exist."""
    section, key, ftype, allowed = draw(st.sampled_from(FIELDS))
    kinds = ["type", "unknown"] + (["range"] if allowed is not None else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "unknown":
        return section, key + draw(st.sampled_from(["_", "s", "2", "_x"])), 1
    if kind == "range" and isinstance(allowed, tuple):
        name = st.text(max_size=8).filter(lambda s: s not in allowed and not s.startswith("cuda:"))
        return section, key, draw(name)
    if kind == "range":
        outside = _outside(allowed, ftype).filter(lambda v: not _inside(v, allowed))
        return section, key, draw(outside)
    if ftype is bool:
        return section, key, draw(WRONG_TYPES | st.integers() | st.floats())
    if ftype is int:
        return section, key, draw(WRONG_TYPES | st.booleans() | st.floats().filter(math.isfinite))
    if ftype is float:
        return section, key, draw(WRONG_TYPES | st.booleans())
    # A string field takes any text, and a value that is not TOML is read as text: so only
    # values that are TOML of another type are wrong here.
    return section, key, draw(st.integers() | st.booleans() | st.lists(st.integers(), max_size=2))


@settings(FAST, max_examples=120)
@given(setting=bad_settings())
def test_any_bad_set_value_is_refused_naming_the_key(capsys, tmp_path, setting):
    CASES["--set values"] += 1
    section, key, value = setting
    override = f"{section}.{key}={_toml(value)}"
    tiny = [a for s in TINY if not s.startswith(f"{section}.{key}=") for a in ("--set", s)]
    root = fresh_folder(tmp_path)
    argv = ["train", "tic-tac-toe", "--quiet", "--run-dir", root / "run", *tiny]
    refused_unchanged(capsys, root, [*argv, "--set", override], f"{section}.{key}")


@st.composite
def bad_toml_files(draw) -> bytes:
    """A config file with one bad entry (bad_settings) among good ones, or bytes that are not
    TOML or not UTF-8."""
    kind = draw(st.sampled_from(["setting", "setting", "not toml", "not utf-8"]))
    if kind == "not utf-8":
        return draw(st.binary(max_size=40)) + b"\xff\xfe[mcts]\n"
    if kind == "not toml":
        return draw(st.text(max_size=40)).encode() + b"\n[[mcts\n"
    section, key, value = draw(bad_settings())
    good = draw(st.sampled_from([{}, {"mcts": {"c_puct": 2.0}}, {"learner": {"batch_size": 8}}]))
    tables = {**good, section: {**good.get(section, {}), key: value}}
    lines = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
    return ("\n".join(lines) + "\n").encode()


@settings(FAST, max_examples=80)
@given(content=bad_toml_files())
def test_any_bad_config_file_is_refused_and_left_alone(capsys, tmp_path, content):
    CASES["TOML configs"] += 1
    root = fresh_folder(tmp_path)
    path = root / "bad.toml"
    path.write_bytes(content)
    argv = ["train", "tic-tac-toe", "--quiet", "--run-dir", root / "run", "--config", path]
    refused_unchanged(capsys, root, argv)


# ---------------------------------------------------------------------------------------------
# Spec strings.

VALUE_CHARS = st.text(alphabet="abcdefxyz._-+", min_size=1, max_size=6)  # never a number


def _spec_value(key: str, ftype: type) -> st.SearchStrategy:
    if ftype is bool:
        return VALUE_CHARS.filter(lambda s: s not in ("0", "1", "true", "false"))
    low, inclusive, high = _RANGES[key]
    bad_numbers = [st.sampled_from(["nan", "inf", "-inf"]), VALUE_CHARS]
    if ftype is int:
        bad_numbers.append(st.integers(max_value=math.ceil(low) - (1 if inclusive else 0)).map(str))
        if math.isfinite(high):
            bad_numbers.append(st.integers(min_value=int(high) + 1).map(str))
        bad_numbers.append(st.sampled_from(["1.5", "2e3", "0x10"]))
    else:
        below = st.floats(max_value=low).filter(lambda x: not (x >= low if inclusive else x > low))
        bad_numbers.append(below.map(repr))
    return st.one_of(bad_numbers)


@st.composite
def bad_specs(draw) -> str:
    kind = draw(st.sampled_from([*KINDS, "unknown kind"]))
    if kind == "unknown kind":
        # Not starting with "-": `sandbox match -h` is a request for help, not a bad spec.
        name = draw(st.from_regex(r"[a-z_][a-z_-]{0,9}", fullmatch=True))
        return name if name not in KINDS else name + "_x"
    if kind == "human":
        return "human"  # a real kind, but it plays only in the viewer
    allowed = _PARAMS[kind]
    numbers = [k for k in allowed if k != "model"]
    choices = ["key"] + ["value"] * bool(numbers) + ["model"] * ("model" in allowed)
    choice = draw(st.sampled_from(choices))
    if choice == "key":
        key = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", max_size=10))
        key = key if key not in allowed else key + "_x"
        return f"{kind}:{key}=1"
    if choice == "model":
        return f"{kind}:model=/nonexistent/{draw(VALUE_CHARS)}.pt"
    key = draw(st.sampled_from(numbers))
    return f"{kind}:{key}={draw(_spec_value(key, allowed[key]))}"


@settings(FAST, max_examples=120)
@given(spec=bad_specs())
def test_any_bad_agent_spec_is_refused(capsys, tmp_path, spec):
    CASES["spec strings"] += 1
    argv = ["match", spec, "random", "--game", "tic-tac-toe", "--games", "2"]
    refused_unchanged(capsys, tmp_path, argv)


def test_every_numeric_spec_key_and_config_field_has_a_range():
    numeric = {k for params in _PARAMS.values() for k, t in params.items() if t in (int, float)}
    assert numeric == set(_RANGES)
    unranged = [(s, k) for s, k, t, r in FIELDS if t in (int, float) and r is None]
    assert not unranged


# ---------------------------------------------------------------------------------------------
# Position files.


@pytest.fixture(scope="module")
def good_positions() -> list[dict]:
    return tic_tac_toe_positions()


def _finished_game(seed: int) -> list[int]:
    import pyspiel

    state, rng = pyspiel.load_game("tic_tac_toe").new_initial_state(), np.random.default_rng(seed)
    actions = []
    while not state.is_terminal():
        actions.append(int(rng.choice(state.legal_actions())))
        state.apply_action(actions[-1])
    return actions


@st.composite
def bad_position_files(draw, good: list[dict]) -> bytes:
    records = [dict(r) for r in draw(st.lists(st.sampled_from(good), max_size=3))]
    bad = dict(draw(st.sampled_from(good)))
    kind = draw(
        st.sampled_from(["finished", "drop", "type", "illegal", "legal", "value", "game", "junk"])
    )
    if kind == "finished":
        bad["actions"] = _finished_game(draw(st.integers(0, 10_000)))
    elif kind == "drop":
        del bad[draw(st.sampled_from(["game", "actions", "value", "optimal", "legal"]))]
    elif kind == "type":
        key = draw(st.sampled_from(["actions", "value", "optimal", "legal"]))
        bad[key] = draw(st.sampled_from(["x", [None], [[1]], {"a": 1}, ["a"]]))
    elif kind == "illegal":
        bad["actions"] = [*bad["actions"], draw(st.integers(-5, 20))]
        bad["actions"].append(bad["actions"][-1])  # the same cell twice: never legal
    elif kind == "legal":
        bad["legal"] = sorted(set(bad["legal"]) ^ {draw(st.integers(0, 8))})
    elif kind == "value":
        bad["value"] = draw(st.integers().filter(lambda v: v not in (-1, 0, 1)))
    elif kind == "game":
        bad["game"] = draw(st.sampled_from(["bogus", "connect_four(rows=0)", "hex(board_size=1)"]))
    lines = [json.dumps(r).encode() for r in records]
    junk = draw(st.sampled_from([b"{", b"[1, 2]", b'"text"', b"\xff", b"null"]))
    index = draw(st.integers(0, len(lines)))
    lines.insert(index, junk if kind == "junk" else json.dumps(bad).encode())
    return b"\n".join(lines) + b"\n"


@settings(FAST, max_examples=60)
@given(data=st.data())
def test_any_bad_position_file_is_refused(capsys, tmp_path, good_positions, data):
    CASES["position files"] += 1
    root = fresh_folder(tmp_path)
    path = root / "positions.jsonl"
    path.write_bytes(data.draw(bad_position_files(good_positions)))
    refused_unchanged(capsys, root, ["referee", "random", "--positions", path])


# ---------------------------------------------------------------------------------------------
# Checkpoint bytes.


@pytest.fixture(scope="module")
def good_model(tmp_path_factory) -> bytes:
    return model_bytes(tmp_path_factory.mktemp("model"))


@st.composite
def bad_checkpoints(draw, good: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncated", "junk", "foreign", "edited"]))
    if kind == "truncated":
        return good[: draw(st.integers(0, len(good) - 1))]
    if kind == "junk":
        return draw(st.binary(max_size=200))
    if kind == "foreign":
        leaf = st.integers() | st.text(max_size=5) | st.none()
        tree = st.recursive(leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(
            st.text(max_size=5), c, max_size=3), max_leaves=6)  # fmt: skip
        return bytes_of(draw(tree | st.builds(torch.zeros, st.integers(0, 4))))
    payload = payload_of(good)
    edit = draw(st.sampled_from(["drop", "type", "shape", "nan", "config", "game", "format"]))
    if edit == "drop":
        del payload[draw(st.sampled_from(["config", "game", "openspiel", "model", "step"]))]
    elif edit == "type":
        key = draw(st.sampled_from(["config", "game", "model", "step", "iteration"]))
        payload[key] = draw(st.sampled_from([None, 1.5, [1], True]))
    elif edit == "shape":
        key = draw(st.sampled_from(sorted(payload["model"])))
        old = list(payload["model"][key].shape)
        shape = draw(st.lists(st.integers(1, 3), max_size=3).filter(lambda s: s != old))
        payload["model"][key] = torch.zeros(shape)
    elif edit == "nan":
        key = draw(st.sampled_from([k for k, v in payload["model"].items() if v.numel()]))
        payload["model"][key] = payload["model"][key].float().clone().fill_(math.nan)
    elif edit == "config":
        section = draw(st.sampled_from(["network", "mcts", "bogus"]))
        payload["config"][section] = {"channels": -1} if section == "network" else {"x": 1}
    elif edit == "game":
        payload["game"] = draw(st.sampled_from(["connect4-5x4", "bogus", "go(board_size=0)"]))
        payload["openspiel"] = payload["game"]
    else:
        payload["format"] = draw(st.integers().filter(lambda f: f != 1))
    return bytes_of(payload)


@settings(FAST, max_examples=80)
@given(data=st.data())
def test_any_bad_checkpoint_is_refused_and_left_alone(capsys, tmp_path, good_model, data):
    CASES["checkpoint bytes"] += 1
    root = fresh_folder(tmp_path)
    path = root / "model.pt"
    path.write_bytes(data.draw(bad_checkpoints(good_model)))
    argv = ["match", f"policy:model={path}", "random", "--game", "tic-tac-toe", "--games", "2"]
    refused_unchanged(capsys, root, argv)


@settings(FAST, max_examples=30)
@given(data=st.data())
def test_flipped_bytes_in_a_checkpoint_load_or_give_one_line(capsys, tmp_path, good_model, data):
    CASES["checkpoint bytes"] += 1
    raw = bytearray(good_model)
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    root = fresh_folder(tmp_path)
    path = root / "model.pt"
    path.write_bytes(bytes(raw))
    before = snapshot(root)
    argv = ["match", f"policy:model={path}", "random", "--game", "tic-tac-toe", "--games", "2"]
    code, err = run_cli(capsys, argv)
    assert "Traceback" not in err
    if code != 0:
        assert_refused(code, err)
    assert snapshot(root) == before
