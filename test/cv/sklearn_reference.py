# scikit-learn references for tunelab's CV tests. stdin: JSON {"task": ..., ...}; stdout: JSON.
import json, sys
import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, GridSearchCV, cross_val_score
from sklearn.svm import SVC
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, MinMaxScaler
from sklearn.decomposition import PCA

req = json.load(sys.stdin)
task = req["task"]

def splitter(spec):
    cls = {"KFold": KFold, "StratifiedKFold": StratifiedKFold}[spec["kind"]]
    return cls(n_splits=spec["nSplits"])

def svc(params):
    return SVC(**params)

if task == "splits":
    s = splitter(req["splitter"])
    X = np.zeros((len(req["y"]), 1))
    out = [{"train": tr.tolist(), "test": te.tolist()} for tr, te in s.split(X, req["y"])]
elif task == "svc_predict":
    m = svc(req["params"]).fit(np.array(req["XTrain"]), np.array(req["yTrain"]))
    out = m.predict(np.array(req["XTest"])).tolist()
elif task == "pipeline_cv":
    steps = []
    for kind, params in req["steps"]:
        steps.append({"standard": StandardScaler, "minmax": MinMaxScaler, "pca": PCA, "svc": SVC}[kind](**params))
    scores = cross_val_score(make_pipeline(*steps), np.array(req["X"]), np.array(req["y"]), cv=splitter(req["cv"]))
    out = scores.tolist()
elif task == "nested":
    X, y = np.array(req["X"]), np.array(req["y"])
    inner = splitter(req["inner"])
    outer = splitter(req["outer"])
    rows = []
    for tr, te in outer.split(X, y):
        gs = GridSearchCV(SVC(), req["grid"], cv=inner).fit(X[tr], y[tr])
        rows.append({"score": float(gs.score(X[te], y[te])), "params": gs.best_params_,
                     "meanTestScores": gs.cv_results_["mean_test_score"].tolist()})
    nested = cross_val_score(GridSearchCV(SVC(), req["grid"], cv=inner), X, y, cv=outer)
    out = {"folds": rows, "crossValScore": nested.tolist()}
elif task == "preprocess":
    X = np.array(req["X"])
    kind = req["kind"]
    if kind == "pca":
        m = PCA(n_components=req["nComponents"], whiten=bool(req.get("whiten", False))).fit(X)
        out = {"ratio": m.explained_variance_ratio_.tolist(), "Z": m.transform(X).tolist()}
    else:
        m = {"standard": StandardScaler, "minmax": MinMaxScaler}[kind]().fit(X)
        out = {"Z": m.transform(np.array(req["XTest"])).tolist()}
elif task == "stratified_counts":
    # Per case: the per-class test counts of train_test_split(stratify=y) over seeds, or its error.
    from sklearn.model_selection import train_test_split, ShuffleSplit
    out = []
    for case in req["cases"]:
        y = np.array(case["y"])
        X = np.zeros((len(y), 1))
        classes = np.unique(y)
        try:
            counts = []
            for seed in range(req["seeds"]):
                _, _, _, y_test = train_test_split(X, y, test_size=case["testSize"], stratify=y, random_state=seed)
                counts.append([int((y_test == c).sum()) for c in classes])
            out.append({"counts": counts})
        except ValueError as e:
            out.append({"error": str(e)})
elif task == "shuffle_split_sizes":
    from sklearn.model_selection import ShuffleSplit
    out = []
    for case in req["cases"]:
        tr, te = next(ShuffleSplit(n_splits=1, test_size=case.get("testSize"), train_size=case.get("trainSize"), random_state=0).split(np.zeros((case["n"], 1))))
        out.append([len(tr), len(te)])
elif task == "metrics":
    # Per case (yTrue, yPred): the label metrics under every average, or the error metrics.
    from sklearn import metrics as M
    out = []
    for case in req["cases"]:
        t, p = case["yTrue"], case["yPred"]
        row = {}
        if case["kind"] == "labels":
            for avg in case["averages"]:
                for name, f in (("precision", M.precision_score), ("recall", M.recall_score), ("f1", M.f1_score)):
                    row[f"{name}_{avg}"] = float(f(t, p, average=avg, zero_division=0))
            row["balanced_accuracy"] = float(M.balanced_accuracy_score(t, p))
            row["confusion"] = M.confusion_matrix(t, p).tolist()
            row["accuracy"] = float(M.accuracy_score(t, p))
        else:
            row["mae"] = float(M.mean_absolute_error(t, p))
            row["rmse"] = float(M.root_mean_squared_error(t, p))
            row["mse"] = float(M.mean_squared_error(t, p))
            row["r2"] = float(M.r2_score(t, p))
        out.append(row)
elif task == "cv_scoring":
    from sklearn.model_selection import cross_val_score
    X, y = np.array(req["X"]), np.array(req["y"])
    out = {name: cross_val_score(SVC(), X, y, cv=StratifiedKFold(n_splits=5), scoring=name).tolist() for name in req["scorers"]}
json.dump(out, sys.stdout)
