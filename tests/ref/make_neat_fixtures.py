"""NEAT fixtures from neat-python (pinned in requirements-evolve.txt).

XOR with neat-python's own example configuration (tests/fixtures/evolve/
xor.ini, the same file lacus reads): RUNS independent runs of at most
MAX_GEN generations, seeds 0..RUNS-1; for each, whether it reached the
fitness threshold (3.9), the generation it did, and the size of the
winner. The lacus test (test_neat_xor.c) runs the same configuration and
compares success rate and generation counts within sampling noise: the two
libraries draw different random numbers, so only statistics can agree.

    python3 -m venv /work/venv-evolve
    /work/venv-evolve/bin/pip install -r tests/ref/requirements-evolve.txt
    /work/venv-evolve/bin/python tests/ref/make_neat_fixtures.py
"""
import json
import os
import random
import sys

import neat

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures", "evolve")
RUNS = int(os.environ.get("NEAT_RUNS", "50"))
MAX_GEN = 300

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


def one_run(seed, cfg_path):
    random.seed(seed)
    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction,
                         neat.DefaultSpeciesSet, neat.DefaultStagnation, cfg_path)
    pop = neat.Population(config)
    try:
        winner = pop.run(eval_genomes, MAX_GEN)
    except neat.CompleteExtinctionException:
        return {"seed": seed, "solved": False, "generations": MAX_GEN}
    solved = winner.fitness >= config.fitness_threshold
    nodes, links = winner.size()
    return {"seed": seed, "solved": bool(solved), "generations": pop.generation + 1,
            "fitness": winner.fitness, "nodes": nodes, "enabled_links": links}


def main():
    cfg = os.path.join(FIX, "xor.ini")
    out = []
    for s in range(RUNS):
        r = one_run(s, cfg)
        out.append(r)
        print(r, file=sys.stderr)
    res = {"neat_python": neat.__version__ if hasattr(neat, "__version__") else "see requirements",
           "config": "xor.ini", "max_generations": MAX_GEN, "runs": out}
    with open(os.path.join(FIX, "neatpy_xor.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
