"""Four layouts from public round 14 that lossdoc could not read (readers/tabular.py, readers/jsonlogs.py).

Items 1 and 2 are written by plain training loops (an f-string per line), not by a tool with a format of its own:
there is no upstream format string to cite; each sample is written in the exact byte layout of the public file it
stands for, and the loop that writes it is quoted beside it. Item 3 is ``pandas.DataFrame.to_csv(index=False)``
under a ``.txt`` name; item 4 is ``json.dump`` of a list of Keras ``History.history`` dicts.
"""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError
from tests.reading import fresh_registry, lst, read  # noqa: F401  (fresh_registry: autouse fixture)


def _cli_refuses(tmp_path, data: bytes, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    r = CliRunner().invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert "\n" not in err and name in err and "Traceback" not in err
    return err


# ------------------------------------------------------------- 1: 'N, value' lines whose counter restarts
# A loop run twice, appending to the same file: with open("loss_log.txt", "a") as f: f.write(f"{epoch}, {loss}\n")
# (Shravya29M/MeshGPT loss_log.txt: epochs 1..19, then 1..100 of a second training.)

def _restarted(first: int = 4, second: int = 6) -> bytes:
    one = [f"{e}, {0.004 - e * 1e-5!r}\n" for e in range(1, first + 1)]
    two = [f"{e}, {0.0035 - e * 1e-5!r}\n" for e in range(1, second + 1)]
    two[2] = "3, nan\n"
    return "".join(one + two).encode()


def test_a_counter_value_file_whose_counter_restarts_keeps_the_latest_training(tmp_path):
    run = read(tmp_path, _restarted(), "loss_log.txt")
    assert run.format == "numbers" and list(run.series) == ["loss_log"]
    s = run.series["loss_log"]
    assert s.kind == "loss" and s.split == "train" and run.train_loss is s
    # the policy of every counter that goes back (base.cut_restarts): the latest training kept, with its note
    assert len(s) == 6 and lst(s.epochs) == [1, 2, 3, 4, 5, 6] and s.steps is None and s.axis == "epoch"
    assert s.values[0] == 0.0035 - 1e-5 and s.values[-1] == 0.0035 - 6e-5
    assert math.isnan(s.values[2])  # a logged NaN is data
    assert run.meta["restarted"] == ["loss_log"]
    assert any("restarts 1 time(s)" in n and "19" not in n and "kept the latest segment" in n for n in run.notes)
    assert any("a counter and a number" in n for n in run.notes)


def test_a_counter_value_file_that_restarts_at_zero_and_a_long_one(tmp_path):
    data = "".join(f"{e}, {1 / (e + 2):.5f}\n" for e in list(range(19)) + list(range(100))).encode()
    run = read(tmp_path, data, "log.txt")
    s = run.train_loss
    assert s.name == "loss" and len(s) == 100 and s.epochs[0] == 0 and s.epochs[-1] == 99
    assert s.values[-1] == round(1 / 101, 5)


@pytest.mark.parametrize("data", [
    b"1, 0.5\n2, 0.4\n3, 0.3\n4, 0.2\n5, 0.1\n3, 0.15\n6, 0.05\n",   # back into the middle: not a restart
    b"1, 0.5\n1, 0.4\n2, 0.3\n3, 0.2\n1, 0.45\n2, 0.35\n3, 0.3\n",    # repeats and goes back
    b"1, 0.5\n2, 0.4\n1, 0.45\n2, 0.35\n1, 0.3\n2, 0.2\n",            # goes back at every other line
    b"1, 5\n2, 4\n3, 3\n1, 6\n2, 5\n3, 4\n4, 3\n",                    # whole numbers: ids or counts, not losses
])
def test_counter_value_lines_that_go_back_otherwise_are_refused(tmp_path, data):
    with pytest.raises(InputError, match="loss_log.txt"):
        read(tmp_path, data, "loss_log.txt")
    _cli_refuses(tmp_path, data, "loss_log.txt")
