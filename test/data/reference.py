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
json.dump(out, sys.stdout)
