# muP reference in PyTorch, written from Table 3 of Tensor Programs V (the form *without* an output
# multiplier), relative to a base width: output weights start at (base/width) x the given ones
# (init variance / fan_in, i.e. 1/fan_in^2 up to the base's constant), and learning rates per
# parameter are, with r = width/base:
#   Adam: input W, all biases x1; hidden W x 1/r; output W x 1/r
#   SGD:  input W, input/hidden biases x r (fan_out); hidden W x1; output W x 1/r (1/fan_in); output bias x1
# It trains full-batch MSE for `steps` steps from the weights tunelab drew (kernels [in][out]) and
# returns the predictions, which must equal tunelab's Table 8 network (Lemma J.1).
import json, sys
import torch

torch.set_num_threads(1)
out = []
for case in json.load(sys.stdin):
    X = torch.tensor(case["X"], dtype=torch.float32)
    y = torch.tensor(case["y"], dtype=torch.float32).reshape(-1, 1)
    dims, width, base, lr = case["dims"], case["width"], case["base"], case["lr"]
    r = width / base
    shapes = [(dims[i], dims[i + 1]) for i in range(len(dims) - 1)]
    params = []
    for i, (fan_in, fan_out) in enumerate(shapes):
        W = torch.tensor(case["weights"][2 * i], dtype=torch.float32).reshape(fan_in, fan_out)
        b = torch.tensor(case["weights"][2 * i + 1], dtype=torch.float32)
        if i == len(shapes) - 1:
            W = W * (base / width)
        params.append((W.requires_grad_(), b.requires_grad_()))
    last = len(shapes) - 1
    groups = []
    for i, (W, b) in enumerate(params):
        role = "input" if i == 0 else "output" if i == last else "hidden"
        if case["optimizer"] == "adam":
            w_lr = {"input": lr, "hidden": lr / r, "output": lr / r}[role]
            b_lr = lr
        else:
            w_lr = {"input": lr * r, "hidden": lr, "output": lr / r}[role]
            b_lr = lr if role == "output" else lr * r
        groups += [{"params": [W], "lr": w_lr}, {"params": [b], "lr": b_lr}]
    opt = torch.optim.Adam(groups, betas=(0.9, 0.999), eps=case["eps"]) if case["optimizer"] == "adam" else torch.optim.SGD(groups)

    def forward():
        h = X
        for i, (W, b) in enumerate(params):
            h = h @ W + b
            if i < last:
                h = torch.relu(h)
        return h

    for _ in range(case["steps"]):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(forward(), y)
        loss.backward()
        opt.step()
    with torch.no_grad():
        out.append(forward().reshape(-1).tolist())
json.dump(out, sys.stdout)
