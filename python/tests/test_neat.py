"""lacus.neat: neat-python's XOR configuration end to end (the winner's
fitness recomputed in Python from its phenotype), a Python fitness that
must reproduce the built-in one bit for bit, checkpoints that resume
identically, hand-built genomes against NumPy, and evolved reservoirs."""

import json
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import neat  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))
XOR_IN = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_OUT = np.array([0.0, 1.0, 1.0, 0.0])


def xor_config():
    return neat.Config.load(os.path.join(FIX, "evolve", "xor.ini"))


def py_xor_fitness(config):
    def f(genome, seed):
        net = genome.net(config)
        fit = 4.0
        for x, y in zip(XOR_IN, XOR_OUT):
            fit -= (net.activate(x)[0] - y) ** 2
        return fit
    return f


def test_config_round_trip_and_replace():
    c = xor_config()
    assert c.num_inputs == 2 and c.num_outputs == 1 and c["pop_size"] == "150"
    again = neat.Config.parse(c.text)
    assert again.text == c.text
    d = c.replace(pop_size=50, feed_forward=True)
    assert d["pop_size"] == "50" and c["pop_size"] == "150"
    with pytest.raises(lacus.LacusError) as e:
        neat.Config.parse("[NEAT]\npop_size = -3\n")
    assert "pop_size" in e.value.message
    with pytest.raises(lacus.LacusError):
        c.replace(no_such_key=1)


def test_xor_is_solved_like_neat_python():
    c = xor_config()
    with open(os.path.join(FIX, "evolve", "neatpy_xor.json")) as f:
        ref = json.load(f)["runs"]
    ref_gens = sorted(r["generations"] if r["solved"] else 301 for r in ref)
    gens = []
    for seed in range(3):
        pop = neat.Population(c, seed=seed)
        solved = pop.run("xor", n_generations=300)
        h = pop.history
        gens.append(h[-1]["generation"] + 1 if solved else 301)
        if solved:
            best = pop.best
            assert best.fitness >= 3.9
            # the winner's fitness, recomputed from its phenotype in Python
            assert abs(py_xor_fitness(c)(best, 0) - best.fitness) < 1e-12
            out = np.array([best.net(c).activate(x)[0] for x in XOR_IN])
            assert np.all((out > 0.5) == (XOR_OUT > 0.5))
            assert h[-1]["solved"] == 1 and h[-1]["best"] == best.fitness
    # lacus' generations fall inside neat-python 2.0.0's range on this config
    assert ref_gens[0] <= np.median(gens) <= ref_gens[-1]


def test_python_fitness_reproduces_the_builtin_bit_for_bit():
    c = xor_config().replace(pop_size=60)
    a = neat.Population(c, seed=5)
    b = neat.Population(c, seed=5)
    for _ in range(5):
        sa = a.step("xor")
        sb = b.step(py_xor_fitness(c))
        assert sa == sb
    ka = [(g.key, repr(g.fitness)) for g in a.members]  # unevaluated: nan
    kb = [(g.key, repr(g.fitness)) for g in b.members]
    assert ka == kb


def test_checkpoint_resumes_identically(tmp_path):
    c = xor_config().replace(pop_size=60)
    a = neat.Population(c, seed=2)
    for _ in range(3):
        a.step("xor")
    a.save(tmp_path / "ck")
    b = neat.Population.load(tmp_path / "ck", config=c)
    assert b.generation == a.generation == 3
    for _ in range(4):
        assert a.step("xor") == b.step("xor")
    assert a.best.fitness == b.best.fitness
    ids, sizes, best = a.species(0)
    assert sizes.sum() == 60 and ids.size == best.size >= 1


def test_fitness_exception_is_raised():
    c = xor_config().replace(pop_size=20)
    pop = neat.Population(c, seed=0)

    def bad(g, seed):
        raise ValueError("no fitness today")
    with pytest.raises(ValueError, match="no fitness today"):
        pop.step(bad)


def test_hand_built_genome_equals_numpy():
    c = xor_config()
    g = neat.Genome.build(c, nodes=[(0, 0.5, 1.0, "sigmoid"), (1, -0.2, 2.0, "tanh")],
                          conns=[(-1, 1, 0.7, True), (-2, 1, -1.3, True), (1, 0, 1.5, True),
                                 (-1, 0, 0.4, True), (-2, 0, 9.0, False)])
    assert g.n_nodes == 2 and g.n_conns == 5 and g.n_enabled == 4
    assert list(g.conns["enabled"]) == [True, True, True, True, False]
    net = g.net(c)
    for x in XOR_IN:
        h = np.tanh(2.5 * (-0.2 + 2.0 * (0.7 * x[0] - 1.3 * x[1])))  # neat-python: tanh(2.5 z)
        z = 0.5 + 1.0 * (1.5 * h + 0.4 * x[0])
        ref = 1.0 / (1.0 + np.exp(-np.clip(5.0 * z, -60, 60)))  # neat-python's sigmoid
        assert abs(net.activate(x)[0] - ref) < 1e-15
    np.testing.assert_allclose(neat.activation("sigmoid", [0.0, 0.3]),
                               1 / (1 + np.exp(-5 * np.array([0.0, 0.3]))), rtol=1e-15)
    assert g.distance(g.copy(), c) == 0.0
    with pytest.raises(lacus.LacusError):
        net.activate([1.0])
    with pytest.raises(lacus.LacusError):  # a cycle has no feed-forward phenotype
        neat.Genome.build(c, nodes=[(0, 0, 1, "sigmoid"), (1, 0, 1, "sigmoid")],
                          conns=[(0, 1, 1.0, True), (1, 0, 1.0, True)]).net(c)


def test_evolved_reservoir_task():
    x, y = neat.seqclass4(60, 40, noise=0.4, seed=1)
    assert sorted(np.bincount(y)) == [15, 15, 15, 15]
    task = neat.ReservoirTask([s[:, None] for s in x], labels=y, n_train=40, ridge=1e-3)
    c = neat.Config().replace(num_inputs=1, num_outputs=1, num_hidden=9, feed_forward=False,
                              reservoir=True, pop_size=12, fitness_threshold=2.0)
    pop = neat.Population(c, seed=0)
    s = pop.step(task)
    assert 0.0 <= s["best"] <= 1.0 and s["evaluations"] == 12
    acc = task.score(pop.best, c)
    assert acc == pop.best.fitness  # no size penalty: fitness = validation accuracy
