"""Every ctypes Structure of the binding against the C compiler's layout of
the same struct in include/lacus (size and the offset of every field, by
name), so that a header change the binding has not followed fails here
instead of corrupting memory. Needs a C compiler (skipped without one)."""

import ctypes
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

from lacus import _capi as C, brain, lang, local, neat, nifti, nvar, plasticity, tune  # noqa: E402

INCLUDE = os.path.normpath(os.path.join(HERE, "..", "..", "include"))
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")

STRUCTS = {
    "lacus_error": C.Error, "lacus_reservoir_params": C.ReservoirParams,
    "lacus_ridge_params": C.RidgeParams, "lacus_online_params": C.OnlineParams,
    "lacus_nvar_params": C.NvarParams, "lacus_lorenz96_params": C.Lorenz96Params,
    "lacus_nvar_model_params": nvar.NvarModelParams,
    "lacus_kuramoto_sivashinsky_params": C.KSParams, "lacus_vowels_params": C.VowelsParams, "lacus_esn_params": C.ESNParams, "lacus_seqs": C.Seqs,
    "lacus_ridgecv_params": brain.RidgeCVParams, "lacus_sim_params": brain.SimParams,
    "lacus_sim_data": brain.SimData, "lacus_tokenizer_params": lang.TokenizerParams,
    "lacus_lm_params": lang.LMParams, "lacus_sample_params": lang.SampleParams,
    "lacus_lgen_params": lang.LGenParams, "lacus_lgen_annot": lang.LGenAnnot,
    "lacus_local_pop": local.LocalPop, "lacus_localres_params": local.LocalResParams,
    "lacus_localres_stats": local.LocalResStats, "lacus_lgssm": local.LGSSM,
    "lacus_tpc_params": local.TPCParams, "lacus_compare_params": local.CompareParams,
    "lacus_compare_result": local.CompareResult, "lacus_ff_params": local.FFParams,
    "lacus_tune_net_params": tune.TuneNetParams, "lacus_tune_criterion": tune.Criterion,
    "lacus_tune_guard_stats": tune.GuardStats, "lacus_tune_info": tune.TuneInfo,
    "lacus_tune_params": tune.TuneParams, "lacus_tune_result": tune.TuneResult,
    "lacus_tune_src": tune.TuneSrc, "lacus_tune_weight_info": tune.WeightInfo,
    "lacus_neat_node_gene": neat.NodeGene, "lacus_neat_conn_gene": neat.ConnGene,
    "lacus_neat_gen_stats": neat.GenStats, "lacus_neat_run_opts": neat.RunOpts,
    "lacus_neat_pole_params": neat.PoleParams, "lacus_neat_pole_task": neat.PoleTask,
    "lacus_neat_res_task": neat.ResTask, "lacus_ip_params": plasticity.IPParams,
    "lacus_plasticity_params": plasticity.PlasticityParams, "lacus_nifti": nifti.Nifti,
}
RENAMED = {"in_": "in"}  # Python keywords


@pytest.mark.skipif(CC is None or not os.path.isdir(INCLUDE), reason="no C compiler or headers")
def test_struct_layouts_equal_the_c_compiler(tmp_path):
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "lacus.h"', "int main(void) {"]
    expect = []
    for cname, st in STRUCTS.items():
        lines.append('printf("%%zu\\n", sizeof(%s));' % cname)
        expect.append(("sizeof " + cname, ctypes.sizeof(st)))
        for f in st._fields_:
            name = RENAMED.get(f[0], f[0])
            lines.append('printf("%%zu\\n", offsetof(%s, %s));' % (cname, name))
            expect.append(("%s.%s" % (cname, name), getattr(st, f[0]).offset))
    # the opaque NEAT config buffer must hold the real struct
    lines.append('printf("%zu\\n", sizeof(lacus_neat_config));')
    lines += ["return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run([CC, "-std=c11", "-I", INCLUDE, str(src), "-o", str(exe)], check=True)
    got = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    assert int(got.pop()) <= ctypes.sizeof(neat._ConfigBuf)
    assert len(got) == len(expect)
    bad = [(n, int(g), e) for (n, e), g in zip(expect, got) if int(g) != e]
    assert not bad, "C vs ctypes layout (name, C, ctypes): %s" % bad
