"""lossdoc from Python: read() and analyze() on paths, Runs, dicts and DataFrames, without printing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lossdoc
from lossdoc.errors import InputError
from tests.conftest import ROOT

E = np.arange(30)
TRAIN = 2.0 * np.exp(-E / 6) + 0.05
OVERFIT_VAL = 0.6 + 0.003 * (E - 10) ** 2


def primaries(report):
    return [rr.primary.name if rr.primary else None for rr in report.runs]


def test_dict_of_lists_like_keras_history(capsys):
    report = lossdoc.analyze({"loss": TRAIN.tolist(), "val_loss": OVERFIT_VAL.tolist()})
    assert primaries(report) == ["overfitting"] and report.exit_code == 1
    assert capsys.readouterr() == ("", "")  # nothing printed


def test_dataframe_with_named_index_axis():
    df = pd.DataFrame({"train_loss": TRAIN, "val_loss": OVERFIT_VAL}, index=pd.Index(E * 100, name="step"))
    report = lossdoc.analyze(df)
    run = report.runs[0].run
    assert run.train_loss.steps.tolist() == (E * 100).tolist()
    assert primaries(report) == ["overfitting"]
    f = report.runs[0].primary
    assert f.axis == "step" and f.onset == 1000


def test_runs_and_paths_mix():
    path = ROOT / "fixtures" / "keras-history" / "healthy.json"
    runs = lossdoc.read(path)
    report = lossdoc.analyze([runs[0], str(path)])
    assert len(report.runs) == 2 and report.exit_code == 0
    assert primaries(report)[0] == primaries(report)[1]  # the same log, read or passed as a Run


def test_bad_path_goes_into_report_errors_not_raised(tmp_path):
    report = lossdoc.analyze([str(tmp_path / "missing.json")])
    assert report.exit_code == 2 and "no such file" in report.errors[0].message


def test_read_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        lossdoc.read(tmp_path / "missing.json")


def test_dict_without_loss_is_an_input_error():
    with pytest.raises(InputError, match="no loss series"):
        lossdoc.analyze({"accuracy": [0.1, 0.2, 0.3]})


def test_json_report_is_strict_json_even_with_nan_positions():
    """Found by `make fuzz`: a NaN step at the best point made the JSON reporter raise (exit 2)."""
    import json

    from lossdoc.reporters.json import render

    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")

    report = lossdoc.analyze(
        {"step": [np.nan, 1, 2, 3, 4, 5], "train_loss": [1, 0.9, 0.8, 0.7, 0.6, 0.5], "val_loss": [0.5, 1, 1, 1, 1, 1]}
    )
    doc = json.loads(render(report), parse_constant=refuse)
    assert doc["runs"][0]["best"]["x"] == "nan"


def test_worker_results_carry_no_caches_and_share_equal_positions():
    """What a sweep's worker sends back: no rule caches hung on the series, and one array for the step
    positions that several series have in common; the parent's report is unchanged by either."""
    import pickle

    from lossdoc import api
    from lossdoc.config import Config

    rng = np.random.default_rng(0)
    steps = np.arange(5_000, dtype=np.float64)
    run = api.run_from_columns(
        {
            "step": steps,
            "loss": np.exp(-steps / 2000) + rng.normal(0, 0.01, len(steps)),
            "val_loss": np.exp(-steps / 2500) + rng.normal(0, 0.01, len(steps)),
            "lr": np.full(len(steps), 1e-3),
        }
    )
    rr, problem = api._check(run, Config(), None, None)
    assert problem is None
    s = rr.run.series["loss"]
    assert "_curves" in vars(s)  # the rules cached their curves here
    assert "_curves" not in vars(pickle.loads(pickle.dumps(s)))
    before = {name: (x.steps.copy(), x.values.copy()) for name, x in rr.run.series.items()}
    api._share_equal_positions(rr.run)
    series = list(rr.run.series.values())
    assert all(x.steps is series[0].steps for x in series)
    for name, x in rr.run.series.items():
        assert np.array_equal(x.steps, before[name][0]) and np.array_equal(x.values, before[name][1])
    back = pickle.loads(pickle.dumps(rr))
    assert all(x.steps is next(iter(back.run.series.values())).steps for x in back.run.series.values())
