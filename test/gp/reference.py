# Reference computations for test/gp: scikit-learn's GaussianProcessRegressor with a fixed
# ConstantKernel * Matern(nu=2.5) ARD kernel, and scipy's normal functions for expected improvement.
# Reads a JSON request on stdin, writes JSON on stdout.
import json, sys
import numpy as np
from scipy.stats import norm
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern

req = json.load(sys.stdin)
out = {}
if 'gp' in req:
    g = req['gp']
    X = np.array(g['x']); y = np.array(g['y'])
    kernel = ConstantKernel(g['signalVariance'], 'fixed') * Matern(length_scale=g['lengthScales'], length_scale_bounds='fixed', nu=2.5)
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=g['noise'], optimizer=None, normalize_y=False).fit(X, y)
    mean, std = gpr.predict(np.array(g['test']), return_std=True)
    out['mean'] = mean.tolist(); out['variance'] = (std ** 2).tolist()
    out['logMarginalLikelihood'] = float(gpr.log_marginal_likelihood_value_)
if 'ei' in req:
    out['logEI'] = []
    for mean, sd, best in req['ei']:
        z = (mean - best) / sd
        out['logEI'].append(float(np.log(sd * (z * norm.cdf(z) + norm.pdf(z)))))
print(json.dumps(out))
