# PyTorch side of bench/training-throughput.ts: samples/second of the best of 3 training epochs
# (after a warm-up epoch) for the same MLP (784-256-10) and LSTM (hidden 64, 20 steps) as tunelab's.
# stdin JSON {"threads", "mlp": {"n", "batchSizes"}, "lstm": {"n", "features", "steps", "batchSizes"}}
import json, sys, time
import torch
from torch import nn

cfg = json.load(sys.stdin)
torch.set_num_threads(cfg["threads"])
torch.manual_seed(0)

def epoch(model, X, y, batch, opt, loss_fn):
    for i in range(0, len(X), batch):
        opt.zero_grad()
        loss = loss_fn(model(X[i:i + batch]), y[i:i + batch])
        loss.backward()
        opt.step()
        loss.item()  # tfjs reads the loss every batch too

def measure(make, X, y, batch):
    model = make()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    epoch(model, X, y, batch, opt, loss_fn)  # warm-up epoch
    best = {"wall": 0.0, "cpu": 0.0}
    for _ in range(3):  # best of 3 epochs: the machine is shared, the best is the least disturbed
        t = time.perf_counter()
        c = time.process_time()
        epoch(model, X, y, batch, opt, loss_fn)
        best["wall"] = max(best["wall"], len(X) / (time.perf_counter() - t))
        best["cpu"] = max(best["cpu"], len(X) / (time.process_time() - c))
    return best

class LSTMNet(nn.Module):
    def __init__(self, features, hidden):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 10)
    def forward(self, x):
        h, _ = self.lstm(x)
        return self.out(h[:, -1])

out = {"threads": torch.get_num_threads(), "torch": torch.__version__, "mlp": {}, "lstm": {}}
m = cfg["mlp"]
X = torch.rand(m["n"], 784)
y = torch.randint(0, 10, (m["n"],))
for b in m["batchSizes"]:
    out["mlp"][str(b)] = measure(lambda: nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)), X, y, b)
l = cfg["lstm"]
X = torch.rand(l["n"], l["steps"], l["features"])
y = torch.randint(0, 10, (l["n"],))
for b in l["batchSizes"]:
    out["lstm"][str(b)] = measure(lambda: LSTMNet(l["features"], 64), X, y, b)
json.dump(out, sys.stdout)
