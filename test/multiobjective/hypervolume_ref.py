# Reference hypervolumes from Optuna 3.1's WFG implementation. stdin: {"sets": [[points, ref], ...]}.
import json, sys
import numpy as np
from optuna._hypervolume import WFG

req = json.load(sys.stdin)
print(json.dumps([float(WFG().compute(np.array(p, dtype=float), np.array(r, dtype=float))) for p, r in req['sets']]))
