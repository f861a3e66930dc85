"""neat-python anchor for bench/bench_neat.c (run by it, same run, same machine).

    python anchor_neat.py xor-speed CONFIG GENS

Runs GENS generations of XOR with population 150 from CONFIG (lacus's
examples/xor.ini, neat-python's example), the fitness threshold raised so
that every generation reproduces, as the lacus side does; prints
"anchor workload=xor-speed ... gens_per_s=X". neat-python version pinned in
tests/ref/requirements-evolve.txt.
"""
import os
import random
import sys
import tempfile
import time

import neat

XOR_IN = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
XOR_OUT = [0.0, 1.0, 1.0, 0.0]


def eval_genomes(genomes, config):
    for _, g in genomes:
        net = neat.nn.FeedForwardNetwork.create(g, config)
        f = 4.0
        for xi, xo in zip(XOR_IN, XOR_OUT):
            y = net.activate(xi)[0]
            f -= (y - xo) ** 2
        g.fitness = f


def xor_speed(cfg_path, gens):
    text = open(cfg_path).read().replace("fitness_threshold     = 3.9", "fitness_threshold     = 1e9")
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
        f.write(text)
        tmp = f.name
    try:
        random.seed(1)
        config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction,
                             neat.DefaultSpeciesSet, neat.DefaultStagnation, tmp)
        pop = neat.Population(config)
        t0, c0 = time.perf_counter(), time.process_time()
        pop.run(eval_genomes, gens)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        os.unlink(tmp)
    load = os.getloadavg()[0]
    print(f"anchor workload=xor-speed lib=neat-python-2.0.0 pop=150 gens={gens} s={dt:.3f} "
          f"gens_per_s={gens / dt:.3f} cpu_gens_per_s={gens / cpu:.3f} load1={load:.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "xor-speed":
        sys.exit("usage: anchor_neat.py xor-speed CONFIG GENS")
    xor_speed(sys.argv[2], int(sys.argv[3]))
