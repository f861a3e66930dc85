"""Fixtures of tests/unit/test_lm_logistic.c: scikit-learn's multinomial
LogisticRegression (lbfgs, L2) on a small problem, the reference for
lacus_logistic_fit and the logistic readout of lacus lm.

    python3 -m venv /work/venv-sweep
    /work/venv-sweep/bin/pip install -r tests/ref/requirements-sweep.txt
    /work/venv-sweep/bin/python tests/ref/make_sweep_fixtures.py

Writes tests/fixtures/sweep/logistic.npz: X (n, F), y (n), and for each C in
Cs the coefficients coef_C<i> (V, F), intercept_C<i> (V) and the objective
value loss_C<i> = mean log-loss + ||coef||^2 / (2 C n) at the solution.
"""
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261123)
n, F, V = 400, 7, 5
X = rng.normal(size=(n, F)) * np.array([1.0, 0.5, 2.0, 1.0, 0.3, 1.5, 1.0])
W_true = rng.normal(size=(F, V))
logits = X @ W_true + rng.normal(size=V)
p = np.exp(logits - logits.max(axis=1, keepdims=True))
p /= p.sum(axis=1, keepdims=True)
y = np.array([rng.choice(V, p=row) for row in p], dtype=np.int32)

Cs = [1.0, 0.05]
out = {"X": X, "y": y, "Cs": np.array(Cs)}
for i, C in enumerate(Cs):
    m = LogisticRegression(C=C, solver="lbfgs", tol=1e-13, max_iter=100000)
    m.fit(X, y)
    assert m.coef_.shape == (V, F)
    P = m.predict_proba(X)
    loss = -np.mean(np.log(P[np.arange(n), y])) + np.sum(m.coef_ ** 2) / (2 * C * n)
    out[f"coef_C{i}"] = m.coef_
    out[f"intercept_C{i}"] = m.intercept_
    out[f"loss_C{i}"] = np.array(loss)
    print(f"C={C}: loss {loss:.12f}, iterations {m.n_iter_}")

d = os.path.join(os.path.dirname(__file__), "..", "fixtures", "sweep")
os.makedirs(d, exist_ok=True)
np.savez(os.path.join(d, "logistic.npz"), **out)
print("scikit-learn", sklearn.__version__, "numpy", np.__version__)
