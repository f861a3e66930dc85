"""Fixtures for backward tuning (tests/unit/test_tune_ref.c), made by PyTorch.

Independent references for the node-kernel engine of lacus: the networks
are written here in their textbook matrix form (not in node form), run
forward in float64 and differentiated by torch.autograd (BPTT), so the
fixtures check lacus's forward pass, its unit layout and its backward
tuning adjoint against an unrelated implementation.

  lnl.npz  linear-nonlinear units (Vieville et al. 2017):
           x(t) = g * x(t-1) + zeta(a + W x(t-1) + Win u(t-1)),  zeta(v) = 1/(1+exp(-4v))
           cost = 1/2 sum_t (x_0(t) - y(t))^2
  cli_*.npy data for the command-line test (cli_data below).
  esn.npz  leaky tanh ESN with a linear readout (ReservoirPy's equation):
           s(t) = (1-lr) s(t-1) + lr tanh(W s(t-1) + Win u(t) + b),  z(t) = Wout^T s(t) + bout
           cost = 1/2 sum_t ||z(t) - y(t)||^2

Run: /work/venv-tune/bin/python tests/ref/make_tune_fixtures.py
(versions in tests/ref/requirements-tune.txt).
"""
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "tune")


def lnl():
    rng = np.random.default_rng(20261123)
    N, M, T = 5, 2, 30
    W = rng.normal(0, 0.6, (N, N))
    Win = rng.normal(0, 0.6, (N, M))
    g = rng.uniform(0.1, 0.8, N)
    a = rng.normal(0, 0.3, N)
    u = rng.normal(0, 1, (T, M))
    y = np.sin(0.4 * np.arange(T))[:, None] * 0.3 + 0.5
    tW, tWin, tg, ta = (torch.tensor(v, requires_grad=True) for v in (W, Win, g, a))
    tu = torch.tensor(u)
    x = torch.zeros(N)
    u_prev = torch.zeros(M)
    xs = []
    for t in range(T):
        v = ta + tW @ x + tWin @ u_prev
        x = tg * x + torch.sigmoid(4.0 * v)
        xs.append(x)
        u_prev = tu[t]
    X = torch.stack(xs)
    cost = 0.5 * ((X[:, 0] - torch.tensor(y[:, 0])) ** 2).sum()
    cost.backward()
    np.savez(os.path.join(OUT, "lnl.npz"), u=u, y=y, W=W, Win=Win, g=g, a=a, x=X.detach().numpy(),
             cost=np.array(cost.item()), gW=tW.grad.numpy(), gWin=tWin.grad.numpy(),
             gg=tg.grad.numpy(), ga=ta.grad.numpy())


def esn():
    rng = np.random.default_rng(5)
    N, M, L, T, lr = 6, 1, 2, 40, 0.7
    W = rng.normal(0, 0.5, (N, N)) * (rng.uniform(size=(N, N)) < 0.5)
    Win = rng.normal(0, 1.0, (N, M))
    b = rng.normal(0, 0.2, N)
    Wout = rng.normal(0, 0.5, (N, L))
    bout = rng.normal(0, 0.1, L)
    u = rng.normal(0, 1, (T, M))
    y = np.stack([np.sin(0.3 * np.arange(T)), np.cos(0.2 * np.arange(T))], 1)
    tW, tWout, tbout = (torch.tensor(v, requires_grad=True) for v in (W, Wout, bout))
    s = torch.zeros(N)
    zs = []
    for t in range(T):
        s = (1 - lr) * s + lr * torch.tanh(tW @ s + torch.tensor(Win @ u[t] + b))
        zs.append(s @ tWout + tbout)
    Z = torch.stack(zs)
    cost = 0.5 * ((Z - torch.tensor(y)) ** 2).sum()
    cost.backward()
    gW = tW.grad.numpy() * (W != 0)  # only existing connections are tuned
    np.savez(os.path.join(OUT, "esn.npz"), u=u, y=y, W=W, Win=Win, b=b, Wout=Wout, bout=bout,
             lr=np.array(lr), z=Z.detach().numpy(), cost=np.array(cost.item()), gW=gW,
             gWout=tWout.grad.numpy(), gbout=tbout.grad.numpy())


def cli_data():
    """cli_u.npy (160, 1) and cli_y.npy (160, 1): a NumPy LNL root net of 4
    units (the LNL equation above, weights N(0, 0.5/sqrt(4))) driven by
    N(0, 1) input; the data of tests/cli/test_tune.sh and docs/tune.md."""
    rng = np.random.default_rng(7)
    N, T = 4, 160
    W = rng.normal(0, 0.25, (N, N))
    Win = rng.normal(0, 0.25, (N, 1))
    u = rng.normal(0, 1, (T, 1))
    x = np.zeros(N)
    y = np.zeros((T, 1))
    for t in range(T):
        v = W @ x + Win @ (u[t - 1] if t else np.zeros(1))
        x = 1.0 / (1.0 + np.exp(-4.0 * v))
        y[t, 0] = x[0]
    np.save(os.path.join(OUT, "cli_u.npy"), u)
    np.save(os.path.join(OUT, "cli_y.npy"), y)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    lnl()
    esn()
    cli_data()
