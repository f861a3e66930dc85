"""Local learning rules, predictive coding, Forward-Forward (docs/python.md)."""
import numpy as np
import lacus
from lacus import local

# tPC vs the Kalman filter (its MSE optimum) on a linear-Gaussian system
A = np.array([[0.95, 0.25], [-0.25, 0.95]])
B = np.array([[0.5], [-0.3]])
Cm = np.array([[1.0, 0.4], [-0.3, 0.8]])
q, r = 0.05, 0.1  # gamma (1/q + |C|^2 / r) must stay below 2 for the relaxation
u, x, y = local.lgssm_sample(A, B, Cm, q, r, 2000, seed=1)
kf = local.kalman_filter(A, B, Cm, q, r, u, y)
tpc = local.TPC(A, B, Cm, q, r, gamma=0.02, n_iter=200).run(u, y)
print("state MSE: Kalman %.5f, tPC %.5f, observation-only %.5f"
      % (np.mean((kf - x) ** 2), np.mean((tpc - x) ** 2),
         np.mean((np.linalg.lstsq(Cm, y.T, rcond=None)[0].T - x) ** 2)))

# a reservoir of self-predicting units, its features into a ridge readout
mg = lacus.datasets.mackey_glass(3000)
mg = (mg - mg.mean()) / mg.std()
res = local.LocalReservoir(200, 1, pops=[(100, "plain"), (100, "selfpred")], sr=1.25, lr=0.3,
                           seed=1)
res.run(mg[:1000], learn=True)                        # the units learn, unsupervised
F = res.features(mg[:2999], learn=False, with_pe=True)
ro = lacus.Ridge(ridge=1e-6).fit(F[100:2000], mg[101:2001])
pred = ro.predict(F[2000:2999])
print("local reservoir features %s, 1-step NRMSE %.4f, mean |e| of the units %.4f"
      % (F.shape, lacus.metrics.nrmse(mg[2001:3000], pred), res.stats["mean_abs_err"]))

X, lab = local.ff_make_task(2000, 20, 4, noise=0.5, seed=2)
ff = local.ForwardForward(4, n_hidden=100, epochs=20, seed=1).fit(X[:1500], lab[:1500])
print("Forward-Forward, 2 layers x 100: test accuracy %.3f (chance 0.25)"
      % np.mean(ff.predict(X[1500:]) == lab[1500:]))
