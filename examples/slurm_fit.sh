#!/usr/bin/env bash
# Slurm job: one ESN fitted over many sequence files on 4 nodes x 8 ranks,
# 2 OpenMP threads per rank. Submit with `sbatch examples/slurm_fit.sh`.
# Each rank reads only its own file (file j goes to rank j mod 32), adds
# its sequences' X^T X and X^T Y, and rank 0 writes the model; the model is
# the same, bit for bit, as on one rank (docs/cluster.md).
#SBATCH --job-name=lacus-fit
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=2
#SBATCH --mem=0
#SBATCH --time=02:00:00
#SBATCH --output=lacus-fit-%j.log
set -euo pipefail

export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK
export OMP_PROC_BIND=close OMP_PLACES=cores

# data/u_00.npz .. data/u_31.npz (and y_*.npz): the texts packed into 32
# input/target file pairs, one .npz member per text (sequences may differ in
# length). At least as many files as ranks, so each rank reads only its own.
inputs=()
for u in data/u_*.npz; do
    inputs+=(--input "$u" --target "${u/u_/y_}")
done

# srun starts the ranks (mpirun works the same way outside Slurm).
srun --cpu-bind=cores lacus fit "${inputs[@]}" \
    --units 10000 --rc-connectivity 0.003 --lr 0.985 --sr 2.8 --input-scaling 5 \
    --input-connectivity 0.05 --ridge 0.276 --warmup 0 --output model.npz
