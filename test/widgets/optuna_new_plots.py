"""Optuna 5.0's own figures for studies tunelab wrote to a SQLite file (reference for the new plots).

argv: storage URL. stdin: {"rank": [{"study": name, "params": [...] | null}], "hypervolume": [{"study": name, "reference_point": [...]}]}
Output: for each request, the data of the plotly figure Optuna draws (plot_rank, plot_hypervolume_history).
"""
import json
import sys
import warnings

import optuna
from plotly.colors import unlabel_rgb

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")  # plot_hypervolume_history is experimental

storage = sys.argv[1]
req = json.load(sys.stdin)


def rgb(c):
    return [float(v) for v in unlabel_rgb(c)]


def rank(r):
    study = optuna.load_study(study_name=r["study"], storage=storage)
    fig = optuna.visualization.plot_rank(study, params=r["params"])
    *panels, bar = fig.data
    return {
        "title": fig.layout.title.text,
        "panels": [
            {
                "x": list(p.x),
                "y": list(p.y),
                "colors": [rgb(c) for c in p.marker.color],
                "xaxis": p.xaxis or "x",
                "yaxis": p.yaxis or "y",
            }
            for p in panels
        ],
        "layout_axes": {
            name: {
                "range": list(fig.layout[name].range) if fig.layout[name].range is not None else None,
                "type": fig.layout[name].type,
                "title": fig.layout[name].title.text,
            }
            for name in fig.layout
            if name.startswith("xaxis") or name.startswith("yaxis")
        },
        "ticktext": list(bar.marker.colorbar.ticktext),
        "tickvals": list(bar.marker.colorbar.tickvals),
    }


def hv(r):
    study = optuna.load_study(study_name=r["study"], storage=storage)
    fig = optuna.visualization.plot_hypervolume_history(study, r["reference_point"])
    return {"x": list(fig.data[0].x), "y": [float(v) for v in fig.data[0].y]}


def pareto(r):
    """Optuna stores the metric names (study:metric_names), then draws its Pareto front."""
    study = optuna.load_study(study_name=r["study"], storage=storage)
    study.set_metric_names(r["metric_names"])
    fig = optuna.visualization.plot_pareto_front(study)
    return {"x_title": fig.layout.xaxis.title.text, "y_title": fig.layout.yaxis.title.text}


def terminator(r):
    """Optuna's improvement history (the data) and the figure it draws from it."""
    from optuna.terminator import BestValueStagnationEvaluator, StaticErrorEvaluator
    from optuna.visualization._terminator_improvement import _get_improvement_info, _get_improvement_plot

    study = optuna.load_study(study_name=r["study"], storage=storage)
    info = _get_improvement_info(
        study,
        r["plot_error"],
        BestValueStagnationEvaluator(max_stagnation_trials=r["max_stagnation_trials"]),
        StaticErrorEvaluator(constant=r["error"]),
    )
    # The public function computes the same info and draws it; called too, to check the figure is its.
    fig = optuna.visualization.plot_terminator_improvement(
        study,
        plot_error=r["plot_error"],
        improvement_evaluator=BestValueStagnationEvaluator(max_stagnation_trials=r["max_stagnation_trials"]),
        error_evaluator=StaticErrorEvaluator(constant=r["error"]),
        min_n_trials=r["min_n_trials"],
    )
    assert fig.to_plotly_json() == _get_improvement_plot(info, r["min_n_trials"]).to_plotly_json()
    return {
        "info": {"trialNumbers": info.trial_numbers, "improvements": [float(v) for v in info.improvements], "errors": None if info.errors is None else [float(v) for v in info.errors]},
        "traces": [
            {"x": list(t.x), "y": [float(v) for v in t.y], "name": t.name, "color": t.marker.color, "showlegend": t.showlegend}
            for t in fig.data
            if t.x is not None
        ],
        "y_range": [float(v) for v in fig.layout.yaxis.range],
        "title": fig.layout.title.text,
    }


print(json.dumps({
    "terminator": [terminator(r) for r in req.get("terminator", [])],
    "rank": [rank(r) for r in req.get("rank", [])],
    "hypervolume": [hv(r) for r in req.get("hypervolume", [])],
    "pareto": [pareto(r) for r in req.get("pareto", [])],
}))
