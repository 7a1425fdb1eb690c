"""Optuna 5.0's own plot data for trials given as JSON on stdin (the reference for visualization tests).

Input: {"single": {"direction": ..., "trials": [...]}, "multi": {"directions": [...], "trials": [...]}}
with each trial {number, state, values, params, distributions (Optuna JSON), intermediate}.
Output: what Optuna's visualization info functions compute (no plotly needed).
"""
import json
import sys

import optuna
from optuna.distributions import json_to_distribution
from optuna.trial import TrialState, create_trial
from optuna.visualization._contour import _get_contour_info
from optuna.visualization._edf import _get_edf_info
from optuna.visualization._intermediate_values import _get_intermediate_plot_info
from optuna.visualization._optimization_history import _get_optimization_history_info_list
from optuna.visualization._timeline import _get_timeline_info
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
                values=None if t["values"] is None else [float(v) for v in t["values"]],
                params=t["params"],
                distributions={k: json_to_distribution(v) for k, v in t["distributions"].items()},
                intermediate_values={int(k): v for k, v in t["intermediate"].items()},
                system_attrs={f"constraints:{k}": v for k, v in t.get("constraints", {}).items()},
            )
        )
    return study


data = json.load(sys.stdin)
single = build(data["single"], study_name="single", direction=data["single"]["direction"])
single2 = build(data["single2"], study_name="single2", direction=data["single2"]["direction"])
multi = build(data["multi"], study_name="multi", directions=data["multi"]["directions"])
# Constraints, conditional parameters, numeric choices and an infinite value.
special = build(data["special"], study_name="special", direction=data["special"]["direction"])
special_multi = build(data["specialMulti"], study_name="special_multi", directions=data["specialMulti"]["directions"])
four = build(data["four"], study_name="four", directions=data["four"]["directions"])

hist = _get_optimization_history_info_list(single, None, "Objective Value", False)[0]
edf = _get_edf_info([single, single2])
inter = _get_intermediate_plot_info(single)
slc = _get_slice_plot_info(single, None, None, "Objective Value")
par = _get_parallel_coordinate_info(single)
pareto = _get_pareto_front_info(multi)
s_hist = _get_optimization_history_info_list(special, None, "Objective Value", False)[0]
s_par = _get_parallel_coordinate_info(special)
s_edf = _get_edf_info(special)
s_pareto = _get_pareto_front_info(special_multi)
c3 = _get_contour_info(single, None, None, "Objective Value")
# Several studies: each with its own values and best line; and their error bars.
histories = _get_optimization_history_info_list([single, special], None, "Objective Value", False)
eb = _get_optimization_history_info_list([single, single2, special], None, "Objective Value", True)[0]
timeline_recent = _get_timeline_info(single, n_recent_trials=7)
four_pareto = _get_pareto_front_info(four, target_names=["x", "xy"], targets=lambda t: [t.values[0], t.values[2]])
constrained_pareto = _get_pareto_front_info(multi, constraints_func=lambda t: [t.values[1] - 0.5])


def num(v):
    """A float for JSON: infinities as the text JavaScript's Number() reads."""
    v = float(v)
    return None if v != v else ("Infinity" if v == float("inf") else "-Infinity" if v == float("-inf") else v)

def finite_or_none(v):
    """JSON has no NaN: Optuna 5 marks 'no value yet' with NaN, which becomes null here."""
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, dict):
        return {k: finite_or_none(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [finite_or_none(x) for x in v]
    return v


print(json.dumps(finite_or_none({
    # Optuna 5 lists every trial (NaN for incomplete ones) and draws the markers at feasible trials;
    # its best-value line runs over every trial number, +-inf before the first feasible trial.
    "history": {
        "x": [n for n, s in zip(hist.trial_numbers, hist.values_info.states) if s.name == "Feasible"],
        "y": [v for v, s in zip(hist.values_info.values, hist.values_info.states) if s.name == "Feasible"],
        "best_x": hist.trial_numbers,
        "best": [num(b) for b in hist.best_values_info.values],
    },
    "edf": {"x": [float(v) for v in edf.x_values], "lines": [{"name": l.study_name, "y": [float(v) for v in l.y_values]} for l in edf.lines]},
    "intermediate": [{"number": t.trial_number, "points": [[s, v] for s, v in t.sorted_intermediate_values]} for t in inter.trial_infos],
    "slice": [{"param": s.param_name, "x": s.x, "y": s.y, "numbers": s.trial_numbers, "is_log": s.is_log, "numerical": s.is_numerical} for s in slc.subplots],
    "parallel": {
        "objective": {"label": par.dims_objectives[0].label, "values": list(par.dims_objectives[0].values), "range": list(par.dims_objectives[0].range)},
        "params": [{"label": d.label, "values": [float(v) for v in d.values], "range": [float(v) for v in d.range], "tickvals": [float(v) for v in d.tickvals], "ticktext": d.ticktext} for d in par.dims_params],
        "reverse_scale": par.reverse_scale,
    },
    "pareto": {"best": sorted(t.number for t, _ in pareto.best_trials_with_values), "others": sorted(t.number for t, _ in pareto.non_best_trials_with_values)},
    # Contour of three parameters: an n x n grid; each off-diagonal panel's points (trials with both).
    "contour3": {
        "params": c3.sorted_params,
        "panels": [
            [sub.xaxis.name, sub.yaxis.name, sum(1 for x, y in zip(sub.xaxis.values, sub.yaxis.values) if x is not None and y is not None)]
            for row in c3.sub_plot_infos
            for sub in row
            if sub.xaxis.name != sub.yaxis.name
        ],
    },
    "histories": [
        {
            "name": h.values_info.label_name,
            "best_name": h.best_values_info.label_name,
            "feasible": [n for n, s in zip(h.trial_numbers, h.values_info.states) if s.name == "Feasible"],
            "y": [num(v) for v, s in zip(h.values_info.values, h.values_info.states) if s.name == "Feasible"],
            "infeasible": [n for n, s in zip(h.trial_numbers, h.values_info.states) if s.name == "Infeasible"],
            "best_x": h.trial_numbers,
            "best": [num(b) for b in h.best_values_info.values],
        }
        for h in histories
    ],
    "error_bar": {
        "x": eb.trial_numbers,
        "y": [num(v) for v in eb.values_info.values],
        "std": [num(v) for v in eb.values_info.stds],
        "best": [num(v) for v in eb.best_values_info.values],
        "best_std": [num(v) for v in eb.best_values_info.stds],
    },
    "timeline_recent": [b.number for b in timeline_recent.bars],
    "four": {
        "best": sorted([t.number, v[0], v[1]] for t, v in four_pareto.best_trials_with_values),
        "others": sorted([t.number, v[0], v[1]] for t, v in four_pareto.non_best_trials_with_values),
    },
    "constrained": {
        "best": sorted(t.number for t, _ in constrained_pareto.best_trials_with_values),
        "infeasible": sorted(t.number for t, _ in constrained_pareto.infeasible_trials_with_values),
    },
    "special": {
        "history": {
            "feasible": [n for n, s in zip(s_hist.trial_numbers, s_hist.values_info.states) if s.name == "Feasible"],
            "infeasible": [n for n, s in zip(s_hist.trial_numbers, s_hist.values_info.states) if s.name == "Infeasible"],
            "best_x": s_hist.trial_numbers,
            "best": [num(b) for b in s_hist.best_values_info.values],
        },
        "parallel": {
            "objective": {"values": list(s_par.dims_objectives[0].values), "range": list(s_par.dims_objectives[0].range)},
            "params": [{"label": d.label, "values": sorted(float(v) for v in d.values), "range": [float(v) for v in d.range], "tickvals": [float(v) for v in d.tickvals], "ticktext": d.ticktext} for d in s_par.dims_params],
        },
        "edf": [float(v) for v in s_edf.x_values],
        "pareto": {
            "best": sorted(t.number for t, _ in s_pareto.best_trials_with_values),
            "others": sorted(t.number for t, _ in s_pareto.non_best_trials_with_values),
            "infeasible": sorted(t.number for t, _ in s_pareto.infeasible_trials_with_values),
        },
    },
})))
