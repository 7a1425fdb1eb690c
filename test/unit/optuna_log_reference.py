"""Optuna 5.0's log lines for a fixed sequence of trials (test/unit/trialLog.test.ts runs the same
sequence in tunelab and compares). Prints one JSON object: the captured log lines and Python's repr
of some floats."""
import io
import json
import logging
import sys

import optuna

stream = io.StringIO()
optuna.logging.disable_default_handler()
handler = logging.StreamHandler(stream)
handler.setFormatter(logging.Formatter("[%(levelname)1.1s %(asctime)s] %(message)s"))
optuna.logging.get_logger("optuna").addHandler(handler)
optuna.logging.set_verbosity(optuna.logging.INFO)


class ValueErrorLike(ValueError):
    pass


study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
for p in json.loads(sys.argv[1]):
    # JSON has one number type: x is a float parameter (JSON's -2 would stay an int in Optuna's log).
    study.enqueue_trial({**p, "x": float(p["x"])})


def objective(t):
    x = t.suggest_float("x", -1e8, 1e8)
    n = t.suggest_int("n", 0, 5)
    act = t.suggest_categorical("act", ["relu", "tanh"])
    if t.number == 2:
        raise ValueError("boom")
    if t.number == 3:
        raise optuna.TrialPruned()
    if t.number == 4:
        return float("nan")
    if t.number == 6:
        return [1.0, 2.0]
    return x * x + n + (0.5 if act == "tanh" else 0)


study.optimize(objective, n_trials=len(json.loads(sys.argv[1])), catch=(ValueError,))

mo = optuna.create_study(directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=0))
mo.enqueue_trial({"a": 0.5})
mo.optimize(lambda t: (t.suggest_float("a", 0, 1), 2.0), n_trials=1)

named = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
named.set_metric_names(["loss"])
named.enqueue_trial({"a": 0.25})
named.optimize(lambda t: t.suggest_float("a", 0, 1) * 2, n_trials=1)
named_mo = optuna.create_study(directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=0))
named_mo.set_metric_names(["loss", "accuracy"])
named_mo.enqueue_trial({"a": 0.75})
named_mo.optimize(lambda t: (t.suggest_float("a", 0, 1), 0.5), n_trials=1)

# Values Python prints its own way: True, False, None, and strings with quotes or backslashes.
reprs = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
choices = json.loads(sys.argv[3])
for c in choices:
    reprs.enqueue_trial({"c": c})


def repr_objective(t):
    t.suggest_categorical("c", choices)
    if t.number == 1:
        raise ValueError("it's \\ bad")
    return 1.0


reprs.optimize(repr_objective, n_trials=len(choices), catch=(ValueError,))

lines = stream.getvalue().splitlines()

# The uncaught case: recorded FAIL, then raised out of optimize.
uncaught = optuna.create_study()
raised = None
try:
    uncaught.optimize(lambda t: 1 / 0, n_trials=3)
except ZeroDivisionError as e:
    raised = type(e).__name__
floats = [float(v) for v in json.loads(sys.argv[2])]
print(json.dumps({
    "lines": lines,
    "reprs": [repr(v) for v in floats],
    "uncaught": {"raised": raised, "trials": len(uncaught.trials), "state": uncaught.trials[0].state.name},
}))
