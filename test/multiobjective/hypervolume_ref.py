# Reference hypervolumes from Optuna 5.0's exact implementation (WFG for 3+ objectives).
# stdin: {"sets": [[points, ref], ...]}.
import json, sys
import numpy as np
from optuna._hypervolume import compute_hypervolume

req = json.load(sys.stdin)
print(json.dumps([float(compute_hypervolume(np.array(p, dtype=float), np.array(r, dtype=float))) for p, r in req['sets']]))
