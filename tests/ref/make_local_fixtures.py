#!/usr/bin/env python3
"""Fixtures for lacus's temporal predictive coding and Kalman filter
(src/learn/tpc.c), made by NumPy alone: an independent statement of the
linear-Gaussian state-space model, the Kalman filter (textbook form, with
numpy.linalg.solve for the gain) and temporal predictive coding (Millidge et
al. 2024, the equations of include/lacus/local_learning.h).

Regenerate (from the repository root):

    python3 -m venv /work/venv-local
    /work/venv-local/bin/pip install -r tests/ref/requirements-local.txt
    /work/venv-local/bin/python tests/ref/make_local_fixtures.py

Writes tests/fixtures/local/lgssm_<case>.npz with float64 arrays
  A (nx, nx), B (nx, nu), C (ny, nx), q, r (0-d), u (T, nu), x (T, nx), y (T, ny)
  kalman (T, nx)           the Kalman filter's E[x_k | y_1..k]
  tpc (T, nx)              tPC inference only (gamma, n_iter)
  tpc_learn (T, nx)        tPC with learning rate eta on A, B (C fixed),
                           starting from A0, B0
  A_learned, B_learned     A, B after that run
  gamma, n_iter, eta (0-d), A0 (nx, nx), B0 (nx, nu)
"""

import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "local")


def simulate(A, B, C, q, r, T, rng):
    nx, nu, ny = A.shape[0], B.shape[1], C.shape[0]
    u = rng.standard_normal((T, nu))
    x = np.zeros((T, nx))
    y = np.zeros((T, ny))
    prev = np.zeros(nx)
    for k in range(T):
        prev = A @ prev + B @ u[k] + np.sqrt(q) * rng.standard_normal(nx)
        x[k] = prev
        y[k] = C @ prev + np.sqrt(r) * rng.standard_normal(ny)
    return u, x, y


def kalman(A, B, C, q, r, u, y):
    nx = A.shape[0]
    xk = np.zeros(nx)
    P = np.zeros((nx, nx))
    out = np.zeros((len(y), nx))
    for k in range(len(y)):
        xm = A @ xk + B @ u[k]
        Pm = A @ P @ A.T + q * np.eye(nx)
        S = C @ Pm @ C.T + r * np.eye(C.shape[0])
        K = np.linalg.solve(S, C @ Pm).T
        xk = xm + K @ (y[k] - C @ xm)
        P = Pm - K @ C @ Pm
        P = 0.5 * (P + P.T)
        out[k] = xk
    return out


def tpc(A, B, C, q, r, u, y, gamma, n_iter, eta):
    A, B, C = A.copy(), B.copy(), C.copy()
    px, py = 1.0 / q, 1.0 / r
    xh = np.zeros(A.shape[0])
    out = np.zeros((len(y), A.shape[0]))
    for k in range(len(y)):
        mu = A @ xh + B @ u[k]
        x = mu.copy()
        for _ in range(n_iter):
            ey = y[k] - C @ x
            ex = x - mu
            x = x + gamma * (-px * ex + py * C.T @ ey)
        ex = x - mu
        if eta > 0:
            A += eta * px * np.outer(ex, xh)
            B += eta * px * np.outer(ex, u[k])
        xh = x
        out[k] = x
    return out, A, B


def case(name, A, B, C, q, r, T, seed, gamma, n_iter, eta, A0, B0):
    rng = np.random.default_rng(seed)
    u, x, y = simulate(A, B, C, q, r, T, rng)
    kf = kalman(A, B, C, q, r, u, y)
    tp, _, _ = tpc(A, B, C, q, r, u, y, gamma, n_iter, 0.0)
    tl, Al, Bl = tpc(A0, B0, C, q, r, u, y, gamma, n_iter, eta)
    np.savez(os.path.join(OUT, f"lgssm_{name}.npz"), A=A, B=B, C=C, q=np.float64(q),
             r=np.float64(r), u=u, x=x, y=y, kalman=kf, tpc=tp, tpc_learn=tl, A_learned=Al,
             B_learned=Bl, gamma=np.float64(gamma), n_iter=np.float64(n_iter),
             eta=np.float64(eta), A0=A0, B0=B0)
    mk = np.mean((kf - x) ** 2)
    mt = np.mean((tp - x) ** 2)
    print(f"{name}: Kalman MSE {mk:.5f}, tPC MSE {mt:.5f}, ratio {mt / mk:.4f}")


def main():
    os.makedirs(OUT, exist_ok=True)
    th = 0.3
    A = 0.95 * np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    B = np.array([[0.5], [-0.3]])
    C = np.array([[1.0, 0.4], [-0.3, 0.8]])
    A0 = 0.5 * np.eye(2)
    B0 = np.zeros((2, 1))
    case("full", A, B, C, 1.0, 1.0, 300, 7, 0.2, 50, 1e-3, A0, B0)
    Cp = np.array([[1.0, 0.0]])
    case("partial", A, B, Cp, 1.0, 1.0, 300, 8, 0.2, 50, 1e-3, A0, B0)


if __name__ == "__main__":
    main()
