"""Optuna 3.1's own plot data for trials given as JSON on stdin (the reference for visualization tests).

Input: {"single": {"direction": ..., "trials": [...]}, "multi": {"directions": [...], "trials": [...]}}
with each trial {number, state, values, params, distributions (Optuna JSON), intermediate}.
Output: what Optuna's visualization info functions compute (no plotly needed).
"""
import json
import sys

import optuna
from optuna.distributions import json_to_distribution
from optuna.trial import TrialState, create_trial
from optuna.visualization._edf import _get_edf_info
from optuna.visualization._intermediate_values import _get_intermediate_plot_info
from optuna.visualization._optimization_history import _get_optimization_history_info_list
from optuna.visualization._parallel_coordinate import _get_parallel_coordinate_info
from optuna.visualization._pareto_front import _get_pareto_front_info
from optuna.visualization._slice import _get_slice_plot_info

optuna.logging.set_verbosity(optuna.logging.ERROR)


def build(spec, **kw):
    study = optuna.create_study(**kw)
    for t in spec["trials"]:
        study.add_trial(
            create_trial(
                state=TrialState[t["state"]],
                values=t["values"],
                params=t["params"],
                distributions={k: json_to_distribution(v) for k, v in t["distributions"].items()},
                intermediate_values={int(k): v for k, v in t["intermediate"].items()},
            )
        )
    return study


data = json.load(sys.stdin)
single = build(data["single"], study_name="single", direction=data["single"]["direction"])
single2 = build(data["single2"], study_name="single2", direction=data["single2"]["direction"])
multi = build(data["multi"], study_name="multi", directions=data["multi"]["directions"])

hist = _get_optimization_history_info_list(single, None, "Objective Value", False)[0]
edf = _get_edf_info([single, single2])
inter = _get_intermediate_plot_info(single)
slc = _get_slice_plot_info(single, None, None, "Objective Value")
par = _get_parallel_coordinate_info(single)
pareto = _get_pareto_front_info(multi)

print(json.dumps({
    "history": {"x": hist.trial_numbers, "y": hist.values_info.values, "best": [float(v) for v in hist.best_values_info.values]},
    "edf": {"x": [float(v) for v in edf.x_values], "lines": [{"name": l.study_name, "y": [float(v) for v in l.y_values]} for l in edf.lines]},
    "intermediate": [{"number": t.trial_number, "points": [[s, v] for s, v in t.sorted_intermediate_values]} for t in inter.trial_infos],
    "slice": [{"param": s.param_name, "x": s.x, "y": s.y, "numbers": s.trial_numbers, "is_log": s.is_log, "numerical": s.is_numerical} for s in slc.subplots],
    "parallel": {
        "objective": {"label": par.dim_objective.label, "values": list(par.dim_objective.values), "range": list(par.dim_objective.range)},
        "params": [{"label": d.label, "values": [float(v) for v in d.values], "range": [float(v) for v in d.range], "tickvals": [float(v) for v in d.tickvals], "ticktext": d.ticktext} for d in par.dims_params],
        "reverse_scale": par.reverse_scale,
    },
    "pareto": {"best": sorted(t.number for t, _ in pareto.best_trials_with_values), "others": sorted(t.number for t, _ in pareto.non_best_trials_with_values)},
}))
