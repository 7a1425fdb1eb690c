# scikit-learn 1.9's successive-halving searches on a probe estimator whose score is a known function
# of its parameters and its resource, so tunelab's searches can be compared schedule for schedule and
# survivor for survivor. stdin: JSON {"cases": [...]}; stdout: JSON, one result per case.
import json
import math
import sys
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, HalvingRandomSearchCV, KFold

warnings.simplefilter("ignore")


def probe_score(a, b, n):
    # Must match probeScore in test/cv/halving.test.ts.
    return math.sin(1.3 * a + 0.7 * b) + 0.25 * math.cos(0.37 * a * b + 1.0) * math.log(n)


class ProbeRegressor(RegressorMixin, BaseEstimator):
    def __init__(self, a=0.0, b=0.0, n_iter=1, uses_param=False):
        self.a = a
        self.b = b
        self.n_iter = n_iter
        self.uses_param = uses_param

    def fit(self, X, y=None):
        self.n_fit_ = len(X)
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y=None):
        return probe_score(self.a, self.b, self.n_iter if self.uses_param else self.n_fit_)


class ProbeClassifier(ClassifierMixin, ProbeRegressor):
    # ClassifierMixin.score (accuracy) comes first in the MRO: score by the probe as well.
    score = ProbeRegressor.score


req = json.load(sys.stdin)
out = []
for case in req["cases"]:
    n = case["nSamples"]
    X = np.arange(n, dtype=float).reshape(-1, 1)
    y = np.arange(n) % case.get("nClasses", 2)
    uses_param = case["resource"] != "n_samples"
    est = (ProbeClassifier if case["classifier"] else ProbeRegressor)(uses_param=uses_param)
    common = dict(
        factor=case["factor"],
        resource=case["resource"],
        max_resources=case.get("maxResources", "auto"),
        min_resources=case["minResources"],
        aggressive_elimination=case["aggressive"],
        cv=KFold(case["nSplits"]),
        random_state=0,
        return_train_score=False,
    )
    if case["kind"] == "grid":
        search = HalvingGridSearchCV(est, case["grid"], **common)
    else:
        search = HalvingRandomSearchCV(
            est, case["grid"], n_candidates=case["nCandidates"], **common
        )
    try:
        search.fit(X, y)
    except ValueError as e:
        out.append({"error": str(e)})
        continue
    r = search.cv_results_
    out.append(
        {
            "nIterations": int(search.n_iterations_),
            "nResources": [int(v) for v in search.n_resources_],
            "nCandidates": [int(v) for v in search.n_candidates_],
            "nRemaining": int(search.n_remaining_candidates_),
            "nRequired": int(search.n_required_iterations_),
            "nPossible": int(search.n_possible_iterations_),
            "minResources": int(search.min_resources_),
            "maxResources": int(search.max_resources_),
            "rows": [
                {
                    "iter": int(r["iter"][i]),
                    "nResources": int(r["n_resources"][i]),
                    "params": {k: v for k, v in r["params"][i].items()},
                    "mean": float(r["mean_test_score"][i]),
                    "rank": int(r["rank_test_score"][i]),
                }
                for i in range(len(r["iter"]))
            ],
            "bestIndex": int(search.best_index_),
            "bestParams": search.best_params_,
            "bestScore": float(search.best_score_),
        }
    )
json.dump(out, sys.stdout)
