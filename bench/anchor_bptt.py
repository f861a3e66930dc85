"""PyTorch anchor for bench/bench_tune.c: one exact-gradient iteration
(forward over T steps + backpropagation through time) of the same
linear-nonlinear (LNL) network and least-squares loss that lacus tunes:

    x(t) = g * x(t-1) + sigmoid(4 (a + W x(t-1) + Win u(t-1))),
    loss = 1/2 sum_t (x_0(t) - y(t))^2,   float64, CPU.

usage: anchor_bptt.py N T REPS THREADS  -> prints
    anchor N=.. T=.. threads=.. s_per_iter=.. cpu_s_per_iter=.. (medians of REPS) torch=..
(CPU time beside wall time: on a loaded machine it is the fairer of the two.)
Versions: tests/ref/requirements-tune.txt (Debian's python3-torch)."""
import sys
import time

import numpy as np
import torch


def main():
    N, T, reps, threads = (int(v) for v in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(1)
    W = torch.tensor(rng.normal(0, 0.5 / np.sqrt(N), (N, N)), requires_grad=True)
    Win = torch.tensor(rng.normal(0, 0.5 / np.sqrt(N), (N, 1)), requires_grad=True)
    g = torch.zeros(N, requires_grad=True)
    a = torch.zeros(N, requires_grad=True)
    u = torch.tensor(rng.normal(0, 1, (T, 1)))
    y = torch.tensor(rng.normal(0, 0.1, T))
    times, cpus = [], []
    for _ in range(reps + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        for p in (W, Win, g, a):
            p.grad = None
        x = torch.zeros(N)
        up = torch.zeros(1)
        outs = []
        for t in range(T):
            x = g * x + torch.sigmoid(4.0 * (a + W @ x + Win @ up))
            outs.append(x[0])
            up = u[t]
        loss = 0.5 * ((torch.stack(outs) - y) ** 2).sum()
        loss.backward()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    s, c = float(np.median(times[1:])), float(np.median(cpus[1:]))
    print(f"anchor N={N} T={T} threads={threads} s_per_iter={s:.6g} cpu_s_per_iter={c:.6g} "
          f"torch={torch.__version__}")


if __name__ == "__main__":
    main()
