# Reference learning rates from PyTorch's torch.optim.lr_scheduler.
# stdin: JSON list of {"kind": ..., "args": {...}, "lr": base lr, "steps": n}; stdout: JSON list of lr lists
# (lr before the first optimizer step, then after each scheduler.step()).
import json, sys, warnings
import torch
from torch.optim import lr_scheduler as S

warnings.simplefilter("ignore")

def build(kind, opt, a):
    if kind == "sequential_warmup_cosine":
        w = S.LinearLR(opt, start_factor=a["start_factor"], end_factor=1.0, total_iters=a["warmup"])
        c = S.CosineAnnealingLR(opt, T_max=a["total"] - a["warmup"], eta_min=a["eta_min"])
        return S.SequentialLR(opt, [w, c], milestones=[a["warmup"]])
    return getattr(S, kind)(opt, **a)

out = []
for spec in json.load(sys.stdin):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=spec["lr"], momentum=0.9)
    sched = build(spec["kind"], opt, spec["args"])
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(spec["steps"] - 1):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    out.append(lrs)
json.dump(out, sys.stdout)
