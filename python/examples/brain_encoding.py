"""An fMRI encoding model end to end on synthetic data (docs/python.md)."""
import numpy as np
from lacus import brain

sim = brain.simulate_fmri(n_runs=4, n_tr=250, n_features=16, n_voxels=300, n_repeats=4, seed=7)
runs, tr = sim["run_lengths"], sim["tr"]
# word-time features -> TR times (Lanczos), per run
X = np.concatenate([
    brain.lanczos_resample(sim["word_features"][sim["word_run"] == k],
                           sim["word_times"][sim["word_run"] == k], np.arange(n) * tr, 1 / tr)
    for k, n in enumerate(runs)])
X = brain.fir_delays(brain.zscore_runs(X, runs), [1, 2, 3, 4], runs)   # HRF by FIR delays
Y = brain.zscore_runs(sim["bold"], runs)
train, test = slice(0, 750), slice(750, 1000)                         # last run held out
model = brain.RidgeCV(alphas=np.logspace(-1, 5, 13), folds=brain.cv_runs(runs[:3], 3))
model.fit(X[train], Y[train])
r, r2 = model.score_targets(X[test], Y[test])
active = sim["snr"] > 0
print("features %s, voxels %d, alphas chosen: %d distinct" % (X.shape, Y.shape[1],
                                                              np.unique(model.best_alphas_).size))
print("held-out r: active voxels mean %.3f, null voxels mean %.3f (max |r| %.3f)"
      % (r[active].mean(), r[~active].mean(), np.abs(r[~active]).max()))
print("corr(r, planted ideal r) over active voxels: %.3f"
      % np.corrcoef(r[active], sim["r_ideal"][active])[0, 1])
ceiling = brain.noise_ceiling(sim["repeats"])
print("noise ceiling (repeats): active %.3f, null %.3f" % (ceiling[active].mean(),
                                                            ceiling[~active].mean()))
p = brain.permutation_pvalues(Y[test], model.predict(X[test]), block_len=10, n_perm=500)
q, sig = brain.fdr_bh(p, 0.05)
print("significant at FDR 5%%: %d of %d active, %d of %d null"
      % (sig[active].sum(), active.sum(), sig[~active].sum(), (~active).sum()))
