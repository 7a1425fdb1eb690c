# Optuna 5.0's GPSampler on the Branin-Currin two-objective problem (both minimised, inputs in
# [0, 1]^2): hypervolume of each seed's trials with reference point (18, 6), computed by Optuna.
# Reads {"seeds": [...], "nTrials": n} on stdin, writes {"hypervolume": [...]} on stdout.
import json, math, sys, warnings
warnings.filterwarnings('ignore')
import numpy as np
import optuna
from optuna._hypervolume import compute_hypervolume
optuna.logging.set_verbosity(optuna.logging.ERROR)

def branin(a, b):
    return (b - 5.1 / (4 * math.pi ** 2) * a * a + 5 / math.pi * a - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(a) + 10

def currin(x1, x2):
    f = 1 - math.exp(-1 / (2 * max(x2, 1e-9)))
    return f * (2300 * x1 ** 3 + 1900 * x1 ** 2 + 2092 * x1 + 60) / (100 * x1 ** 3 + 500 * x1 ** 2 + 4 * x1 + 20)

def objective(t):
    x1 = t.suggest_float('x1', 0, 1)
    x2 = t.suggest_float('x2', 0, 1)
    return branin(15 * x1 - 5, 15 * x2), currin(x1, x2)

req = json.load(sys.stdin)
ref = np.array([18.0, 6.0])
out = []
for seed in req['seeds']:
    study = optuna.create_study(directions=['minimize', 'minimize'], sampler=optuna.samplers.GPSampler(seed=seed))
    study.optimize(objective, n_trials=req['nTrials'])
    pts = np.array([t.values for t in study.trials])
    pts = pts[np.all(pts < ref, axis=1)]
    out.append(float(compute_hypervolume(pts, ref)) if len(pts) else 0.0)
print(json.dumps({'hypervolume': out}))
