"""A stack and a graph trained over MPI ranks from Python (docs/cluster.md).

    mpirun --oversubscribe -np 2 python3 python/examples/dist_models.py

Each rank builds the same models; the stack's layers and the graph's
sequences are shared out; every rank ends with the same weights (rank 0
prints). Run without mpirun it trains in the one process, same numbers."""
import numpy as np

import lacus
from lacus import dist

dist.init()
rank, size = dist.rank(), dist.size()
mg = lacus.datasets.mackey_glass(5000)
mg = (mg - mg.mean()) / mg.std()
X = [mg[k * 800:(k + 1) * 800 - 10] for k in range(5)]      # 5 sequences
Y1 = [mg[k * 800 + 1:(k + 1) * 800 - 9] for k in range(5)]  # 1 step ahead
Y5 = [mg[k * 800 + 5:(k + 1) * 800 - 5] for k in range(5)]  # 5 steps ahead

# A 2-layer stack (teacher inputs: layer 1 reads Y1 while training), the
# layers on ranks 0 and 1.
layers = [dict(units=300, sr=1.1, lr=0.3, ridge=1e-5, warmup=50, seed=1),
          dict(units=200, sr=0.9, lr=0.5, ridge=1e-5, warmup=50, seed=2)]
s = dist.fit_stack_dist(lacus.Stack(layers, outputs=[1, 1], teacher_inputs=True), X, [Y1, Y5])
ref = lacus.Stack(layers, outputs=[1, 1], teacher_inputs=True).fit(X, [Y1, Y5])
same = all(np.array_equal(s.weights(k)[0], ref.weights(k)[0]) for k in range(2))

# A graph in >> res >> ro; each rank passes only its own sequences (ids).
def graph():
    g = lacus.Graph()
    g.input("in", 1)
    g.reservoir("res", units=300, sr=1.1, lr=0.3, seed=1)
    g.ridge("ro", outputs=1, ridge=1e-5)
    g.connect("in", "res")
    g.connect("res", "ro")
    return g

mine = [k for k in range(5) if k % size == rank]
g = dist.fit_graph_dist(graph(), [X[k] for k in mine], [Y5[k] for k in mine], warmup=50, ids=mine)
one = graph().fit(X, Y5, warmup=50)
w, w1 = g.readout_weights("ro")[0], one.readout_weights("ro")[0]
if rank == 0:
    test = mg[4000:]                                  # held out; score after 100 steps
    nrmse = lambda p, t: np.sqrt(np.mean((p[100:] - t[100:]) ** 2)) / np.std(t[100:])
    print("ranks %d" % size)
    print("stack: layer MSEs %.3g %.3g; equal to Stack.fit bit for bit: %s"
          % (s.train_mse(0), s.train_mse(1), same))
    print("stack (layer 1 reads layer 0): 5-step NRMSE on held-out data %.4f" % nrmse(s.run(test[:-5]), test[5:]))
    print("graph: max |W - W(Graph.fit)| / max |W| = %.1e" % (np.abs(w - w1).max() / np.abs(w1).max()))
    print("graph: 5-step NRMSE on held-out data %.4f" % nrmse(g.run(test[:-5]), test[5:]))
dist.finalize()
