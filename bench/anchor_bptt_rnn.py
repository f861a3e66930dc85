#!/usr/bin/env python3
"""BPTT baseline for `lacus compare`: an LSTM and a vanilla tanh RNN trained
by backpropagation through time (PyTorch, Adam) on the tasks that
`lacus compare --export DIR` wrote (DIR/<task>.npz: the same data and seed
as every lacus row).

    lacus compare --export DIR --tasks mg84,narma10,mc,lgssm,seq4
    python3 bench/anchor_bptt_rnn.py DIR [--budget-s 60] [--target mg84=0.05]
    lacus compare --bptt DIR/bptt.tsv

Series tasks: the training series is cut into windows of 256 steps whose
first 56 steps only warm the hidden state (not scored); batches of 16
windows; the test is one stateful pass over train + test, scored on the
test part (the same protocol as the reservoir rows). SEQ4: the last hidden
state of each 40-step sequence feeds a linear softmax (cross-entropy).
Training stops at --budget-s seconds of training (evaluation time is not
counted) or --max-epochs. With --target TASK=ERROR the time at which the
test error first reaches ERROR is reported (checked after every epoch, on
the test set itself: this favours the baseline, and is said so in the
note). Writes DIR/bptt.tsv (rows for lacus compare --bptt) and prints one
line per run with the 1-minute load average.

Debian's python3-torch (1.13) is used: apt-get install python3-torch.
"""

import argparse
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

METRIC = {"mg84": "NRMSE", "narma10": "NRMSE", "mc": "MC", "lgssm": "MSE", "seq4": "error rate"}


class Net(nn.Module):
    def __init__(self, kind, n_in, n_hidden, n_out):
        super().__init__()
        cls = nn.LSTM if kind == "lstm" else nn.RNN
        self.rnn = cls(n_in, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, n_out)

    def forward(self, x, h=None):
        y, h = self.rnn(x, h)
        return self.head(y), h


def score(task, pred, y):
    if task == "mc":
        mc = 0.0
        for k in range(y.shape[1]):
            c = np.corrcoef(pred[:, k], y[:, k])[0, 1]
            mc += 0.0 if np.isnan(c) else c * c
        return mc
    if task == "lgssm":
        return float(np.mean((pred - y) ** 2))
    return float(np.sqrt(np.mean((pred - y) ** 2) / np.var(y)))


def better_or_equal(task, err, target):
    return err >= target if task == "mc" else err <= target


def run_series(task, d, kind, args):
    ut, yt = d["u_train"].astype(np.float32), d["y_train"].astype(np.float32)
    us, ys = d["u_test"].astype(np.float32), d["y_test"].astype(np.float32)
    W, burn = 256, 56
    starts = np.arange(0, len(ut) - W + 1, W - burn)
    X = torch.tensor(np.stack([ut[s:s + W] for s in starts]))
    Y = torch.tensor(np.stack([yt[s:s + W] for s in starts]))
    net = Net(kind, ut.shape[1], args.hidden, yt.shape[1])
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    full = torch.tensor(np.concatenate([ut, us]))[None]

    def evaluate():
        with torch.no_grad():
            p, _ = net(full)
        return score(task, p[0, len(ut):].numpy().astype(np.float64), ys.astype(np.float64))

    return train_loop(task, net, opt, args, X, Y, burn, evaluate, lambda p, y: ((p - y) ** 2).mean())


def run_seq(task, d, kind, args):
    X = torch.tensor(d["u_train"].astype(np.float32))
    Y = torch.tensor(np.argmax(d["y_train"], axis=1))
    Xs = torch.tensor(d["u_test"].astype(np.float32))
    ys = np.argmax(d["y_test"], axis=1)
    net = Net(kind, 1, args.hidden, 4)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    ce = nn.CrossEntropyLoss()

    def evaluate():
        with torch.no_grad():
            p, _ = net(Xs)
        return float(np.mean(p[:, -1].argmax(1).numpy() != ys))

    return train_loop(task, net, opt, args, X, Y, None, evaluate, lambda p, y: ce(p[:, -1], y))


def train_loop(task, net, opt, args, X, Y, burn, evaluate, lossf):
    g = torch.Generator().manual_seed(args.seed)
    t_train, epochs, reached = 0.0, 0, None
    target = args.targets.get(task)
    err = evaluate()
    while t_train < args.budget_s and epochs < args.max_epochs:
        t0 = time.perf_counter()
        perm = torch.randperm(len(X), generator=g)
        for b in range(0, len(X), 16):
            idx = perm[b:b + 16]
            p, _ = net(X[idx])
            if burn is not None:
                loss = lossf(p[:, burn:], Y[idx][:, burn:])
            else:
                loss = lossf(p, Y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
        t_train += time.perf_counter() - t0
        epochs += 1
        err = evaluate()
        if target is not None and reached is None and better_or_equal(task, err, target):
            reached = t_train
            if args.stop_at_target:
                break
    n_params = sum(p.numel() for p in net.parameters())
    return err, t_train, epochs, n_params, reached


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--tasks", default="mg84,narma10,mc,lgssm,seq4")
    ap.add_argument("--models", default="lstm,rnn")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--budget-s", type=float, default=60.0)
    ap.add_argument("--max-epochs", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--target", action="append", default=[], help="TASK=ERROR (time to reach it)")
    ap.add_argument("--stop-at-target", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    args.targets = {}
    for t in args.target:
        k, v = t.split("=")
        args.targets[k] = float(v)
    torch.set_num_threads(args.threads)
    out = args.out or os.path.join(args.dir, "bptt.tsv")
    rows = []
    for task in args.tasks.split(","):
        path = os.path.join(args.dir, task + ".npz")
        if not os.path.exists(path):
            sys.exit(f"anchor_bptt_rnn: {path} missing (run lacus compare --export {args.dir})")
        d = dict(np.load(path))
        for kind in args.models.split(","):
            torch.manual_seed(args.seed)
            run = run_seq if task == "seq4" else run_series
            err, t, ep, n_params, reached = run(task, d, kind, args)
            note = f"PyTorch {torch.__version__} float32, {args.hidden} hidden, Adam {args.lr}, {ep} epochs"
            if task in args.targets:
                note += (f"; reached {args.targets[task]:g} at {reached:.2f} s (checked on test)"
                         if reached is not None else f"; never reached {args.targets[task]:g}")
            rows.append(f"{task}\t{kind}-bptt\t{METRIC[task]}\t{err:.10g}\t{t:.6f}\t{n_params}\t"
                        f"{n_params * 4 / 1024:.3f}\t{note}")
            load = os.getloadavg()[0]
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"bptt task={task} model={kind} error={err:.5g} train_s={t:.2f} epochs={ep} "
                  f"params={n_params} reached_s={reached if reached is not None else 'never'} "
                  f"peak_mb={rss:.0f} load1={load:.2f}", flush=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("# task\tmodel\tmetric\terror\ttrain_s\tn_params\tmodel_kb\tnote\n")
        f.write("\n".join(rows) + "\n")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
