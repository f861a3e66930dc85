"""Backward tuning, NEAT and plasticity (docs/python.md)."""
import os
import numpy as np
from lacus import tune, neat, plasticity

# backward tuning: recover a random 8-unit LNL net's output from a same-size net
u, target = tune.root_target(8, 400, seed=3, data_seed=1)
net = tune.TuneNet(8, 1, seed=11)
g, cost = net.gradient(u, target)
res = net.fit(u, target, max_iter=60)
print("backward tuning: %d weights, |grad| %.3g; NRMSE %.3f -> %.3f in %d iterations (%s)"
      % (net.n_weights, np.linalg.norm(g), res["nrmse0"], res["nrmse"], res["iterations"],
         res["stopped"]))

# NEAT on neat-python's XOR configuration, with a fitness written in Python
here = os.path.dirname(os.path.abspath(__file__))
cfg = neat.Config.load(os.path.join(here, "..", "..", "tests", "fixtures", "evolve", "xor.ini"))
XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def fitness(genome, seed):
    net = genome.net(cfg)
    return 4.0 - sum((net.activate(np.array(x))[0] - y) ** 2 for x, y in XOR)


pop = neat.Population(cfg, seed=1)
solved = pop.run(fitness, n_generations=300)
best = pop.best
print("NEAT XOR: solved %s in %d generations; best fitness %.4f, %d nodes, %d enabled links"
      % (solved, len(pop.history), best.fitness, best.n_nodes, best.n_enabled))
print("  outputs:", np.round([best.net(cfg).activate(np.array(x))[0] for x, _ in XOR], 3))

# intrinsic plasticity: the states' distribution moves towards N(0, 0.2^2)
rng = np.random.default_rng(0)
data = rng.normal(size=(3000, 1))
ip = plasticity.IPReservoir(100, 1, mu=0.0, sigma=0.2, eta=5e-3, sr=0.95, seed=2)
before = ip.run(data[:1000]).std()
ip.fit(data, epochs=3)
after = ip.run(data[:1000]).std()
print("IP: state std %.3f -> %.3f (target 0.2); gains in [%.2f, %.2f]"
      % (before, after, ip.a.min(), ip.a.max()))
