"""FORCE learning and closed-loop generation (docs/python.md)."""
import numpy as np
import lacus

# FORCE (Sussillo & Abbott 2009): a chaotic reservoir (sr 1.5) learns to
# produce a sine wave with its own output fed back.
T = 4000
u = np.ones((T, 1))
y = np.sin(2 * np.pi * np.arange(T) / 200.0)[:, None]
esn = lacus.ESN(units=150, sr=1.5, lr=0.05, input_scaling=0.2, input_connectivity=1.0,
                feedback=1, warmup=50, input_dim=1, seed=42)
esn.force(u, y, alpha=1.0)
alone = esn.run(u)[2000:, 0]             # closed loop, no teacher
print("FORCE, closed loop alone: std %.3f (target %.3f), zero crossings %d (target 20)"
      % (alone.std(), np.sqrt(0.5), np.sum(np.diff(np.sign(alone - alone.mean())) != 0)))

# Generation: train s[t] -> s[t+1], warm up on real data, then run on its own.
s = lacus.datasets.mackey_glass(4000)
s = 2 * (s - s.min()) / (s.max() - s.min()) - 1
esn = lacus.ESN(units=300, sr=0.99, lr=0.5, input_scaling=0.5, ridge=1e-8, input_dim=1, seed=1)
esn.fit(s[:3000], s[1:3001], warmup=100)
gen = esn.generate(s[2800:3000], 500)         # 200 real steps, then 500 on its own
err = (gen - s[3000:3500]) / s.std()
print("Mackey-Glass, generated: NRMSE over the first 100 steps %.4f, over 500 %.4f"
      % (np.sqrt(np.mean(err[:100] ** 2)), np.sqrt(np.mean(err ** 2))))
