"""Optuna 5.0 side of bench/importance.ts: times get_param_importances on trials given as JSON.

stdin: {"cases": [{"name", "repeats", "trials": [{"params", "distributions", "value"}]}]}
stdout: {name: {"fanova_ms": [...], "mdi_ms": [...], "fanova": {...}, "mdi": {...}}}
"""
import json
import sys
import time
import warnings

import optuna
from optuna.distributions import json_to_distribution
from optuna.importance import FanovaImportanceEvaluator, MeanDecreaseImpurityImportanceEvaluator

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)

request = json.load(sys.stdin)
out = {}
for case in request["cases"]:
    study = optuna.create_study()
    for t in case["trials"]:
        study.add_trial(
            optuna.trial.create_trial(
                params=t["params"],
                distributions={k: json_to_distribution(v) for k, v in t["distributions"].items()},
                value=t["value"],
            )
        )
    result = {"fanova_ms": [], "mdi_ms": []}
    for _ in range(case["repeats"]):
        for kind, make in (("fanova", FanovaImportanceEvaluator), ("mdi", MeanDecreaseImpurityImportanceEvaluator)):
            start = time.perf_counter()
            imp = optuna.importance.get_param_importances(study, evaluator=make(seed=0))
            result[kind + "_ms"].append((time.perf_counter() - start) * 1000)
            result[kind] = imp
    out[case["name"]] = result
json.dump(out, sys.stdout)
