# scikit-learn tree-model references: fit on the given split, return test accuracy / R^2.
import json, sys
import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.ensemble import (RandomForestClassifier, RandomForestRegressor,
                              GradientBoostingClassifier, GradientBoostingRegressor)

MODELS = {c.__name__: c for c in [DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier,
                                   RandomForestRegressor, GradientBoostingClassifier, GradientBoostingRegressor]}
out = []
for case in json.load(sys.stdin):
    model = MODELS[case["model"]](random_state=0, **case["params"])
    model.fit(np.array(case["XTrain"]), np.array(case["yTrain"]))
    out.append(float(model.score(np.array(case["XTest"]), np.array(case["yTest"]))))
json.dump(out, sys.stdout)
