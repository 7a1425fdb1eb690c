# References for tunelab's data tests. stdin JSON {"task": ...}; stdout JSON.
import json, sys
import numpy as np

req = json.load(sys.stdin)
if req["task"] == "iris":
    from sklearn.datasets import load_iris
    d = load_iris()
    out = {"X": d.data.tolist(), "y": d.target.tolist()}
elif req["task"] == "moons":
    from sklearn.datasets import make_moons
    X, y = make_moons(n_samples=req["n"], shuffle=False, noise=None)
    out = {"X": X.tolist(), "y": y.tolist()}
elif req["task"] == "convexity":
    # Independent check with scipy's Qhull: an image is convex when no black pixel centre lies
    # inside the convex hull of the white pixel centres by more than half a pixel.
    from scipy.spatial import ConvexHull
    size = req["size"]
    out = []
    for img in req["images"]:
        a = np.array(img).reshape(size, size)
        white = np.argwhere(a == 1)[:, ::-1].astype(float)  # (x=col, y=row)
        black = np.argwhere(a == 0)[:, ::-1].astype(float)
        hull = ConvexHull(white)
        # hull.equations: normal . p + offset <= 0 inside (unit normals)
        dist = black @ hull.equations[:, :2].T + hull.equations[:, 2]
        inside_deep = np.all(dist < -0.5, axis=1)
        out.append(bool(not inside_deep.any()))
elif req["task"] == "make_classification":
    # Statistics of scikit-learn's own data (one data set per seed) and of tunelab's (sent in "ours"),
    # computed the same way: class counts, numerical rank, linear separability (5-fold logistic regression).
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    def stats(X, y, k, accuracy):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        acc = cross_val_score(LogisticRegression(max_iter=5000), X, y, cv=5).mean() if accuracy else None
        return {"shape": list(X.shape), "counts": np.bincount(y, minlength=k).tolist(),
                "rank": int(np.linalg.matrix_rank(X)), "accuracy": acc}

    out = []
    for c in req["cases"]:
        p, k = c["params"], c["params"].get("n_classes", 2)
        out.append({"feature_info": [make_classification(**p, random_state=s, return_X_y=False).feature_info for s in c["seeds"]],
                    "sklearn": [stats(*make_classification(**p, random_state=s), k, c.get("accuracy")) for s in c["seeds"]],
                    "ours": [stats(d["X"], d["y"], k, c.get("accuracy")) for d in c["ours"]]})
elif req["task"] == "make_regression":
    # Least-squares recovery of the coefficients (with an intercept for the bias), the residual
    # spread (the noise), X's singular values, on scikit-learn's data and on tunelab's.
    from sklearn.datasets import make_regression

    def stats(X, y, coef, p):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        coef = np.asarray(coef, dtype=float)
        A = np.hstack([X, np.ones((X.shape[0], 1))])
        sol = np.linalg.lstsq(A, y, rcond=None)[0]
        resid = y - X @ coef - p.get("bias", 0.0)
        return {"shape_X": list(X.shape), "shape_y": list(y.shape), "shape_coef": list(coef.shape),
                "coef_error": float(np.max(np.abs(sol[:-1] - coef))), "intercept": np.atleast_1d(sol[-1]).tolist(),
                "nonzero": int(np.count_nonzero(coef)), "coef_min": float(coef.min()), "coef_max": float(coef.max()),
                "residual_std": float(resid.std()), "singular_values": np.linalg.svd(X, compute_uv=False).tolist()}

    out = []
    for c in req["cases"]:
        p = c["params"]
        out.append({"sklearn": [stats(*make_regression(**p, coef=True, random_state=s), p) for s in c["seeds"]],
                    "ours": [stats(d["X"], d["y"], d["coef"], p) for d in c["ours"]]})
elif req["task"] == "make_blobs":
    # Cluster sizes, per-cluster means and standard deviations (pooled over features).
    from sklearn.datasets import make_blobs

    def stats(X, y, centers):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        ks = range(len(centers))
        return {"counts": np.bincount(y, minlength=len(centers)).tolist(), "n_features": X.shape[1],
                "means": [X[y == i].mean(axis=0).tolist() for i in ks],
                "stds": [float((X[y == i] - X[y == i].mean(axis=0)).std()) for i in ks],
                "centers": np.asarray(centers).tolist()}

    out = []
    for c in req["cases"]:
        p = dict(c["params"])
        if isinstance(p.get("centers"), list):
            p["centers"] = np.asarray(p["centers"], dtype=float)
        if "center_box" in p:
            p["center_box"] = tuple(p["center_box"])
        out.append({"sklearn": [stats(*make_blobs(**p, return_centers=True, random_state=s)) for s in c["seeds"]],
                    "ours": [stats(d["X"], d["y"], d["centers"]) for d in c["ours"]]})
json.dump(out, sys.stdout)
