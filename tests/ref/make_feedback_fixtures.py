"""ReservoirPy 0.4.2 fixture for output feedback (reservoir << readout).

In 0.4.2 feedback is one more input of the reservoir: at step t it receives
[u[t], y[t-1]] (the readout's previous output; zeros at t = 0). During fit
the teacher y is fed back (teacher forcing); during run, the model's own
predictions. Win given as an array with n_inputs + n_outputs columns.

    .venv-ref/bin/python tests/ref/make_feedback_fixtures.py
writes tests/fixtures/esn/feedback.npz:
  W (N, N), Win (N, I + O), bias (N), lr, ridge, warmup,
  u (T, I), y (T, O)           training sequence
  Wout (N, O), bout (O)        after model.fit(u, y, warmup)
  u_test (Tt, I), pred_test    model.run(u_test) after model.reset(): closed
                               loop on its own outputs from zero state/buffer
"""
import os

import numpy as np
import reservoirpy
from reservoirpy.nodes import Reservoir, Ridge

assert reservoirpy.__version__ == "0.4.2", reservoirpy.__version__

rng = np.random.default_rng(2024)
N, I, O, T, Tt = 40, 2, 1, 300, 80
W = rng.normal(size=(N, N)) * (rng.random((N, N)) < 0.15)
W *= 0.8 / max(abs(np.linalg.eigvals(W)))
Win = rng.choice([-0.5, 0.0, 0.5], size=(N, I + O), p=[0.3, 0.4, 0.3])
bias = rng.uniform(-0.1, 0.1, size=N)
lr, ridge, warmup = 0.4, 1e-5, 20
t = np.arange(T + Tt)
u_all = np.stack([np.sin(0.13 * t), np.cos(0.071 * t)], axis=1)
y_all = (0.6 * np.sin(0.13 * (t + 3)) * np.cos(0.071 * t))[:, None]
u, y, u_test = u_all[:T], y_all[:T], u_all[T:]

res = Reservoir(W=W, Win=Win, bias=bias, lr=lr)
readout = Ridge(ridge=ridge)
model = (res >> readout) & (res << readout)
model.fit(u, y, warmup=warmup)
model.reset()
pred_test = model.run(u_test)

out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "esn", "feedback.npz")
np.savez(out, W=W, Win=Win, bias=bias, lr=np.float64(lr), ridge=np.float64(ridge),
         warmup=np.int64(warmup), u=u, y=y, Wout=readout.Wout, bout=readout.bias,
         u_test=u_test, pred_test=pred_test)
print("wrote", out, "Wout[:3]", readout.Wout[:3, 0], "pred_test[:3]", pred_test[:3, 0])
