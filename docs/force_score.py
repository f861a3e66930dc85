# Scores a generated sine: std, and the NRMSE over steps 12000..14999 at the
# best phase lag within one period (120 steps).
import sys, numpy as np
q = np.load(sys.argv[1])[12000:15000, 0]
t = np.arange(12000, 15000)
e = min(np.sqrt(np.mean((q - np.sin(2 * np.pi * (t + l) / 120)) ** 2) / 0.5) for l in range(120))
print(f"{sys.argv[1]}: std {q.std():.3f} (sine: 0.707), best-lag NRMSE {e:.4f}")
