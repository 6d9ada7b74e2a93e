#!/usr/bin/env bash
# Run tools/SCRIPT (train.py or test.py) in NUM_PROCS processes per node
# with torchrun; dist_train.sh and dist_test.sh call this.
#   bash tools/dist_run.sh SCRIPT NUM_PROCS [SCRIPT args...]
# NUM_PROCS is the number of processes on this node (GPUs, or CPU processes
# on a machine without GPUs, which then use the gloo backend).
# Environment: NNODES (1), NODE_RANK (0), PORT (29500),
# MASTER_ADDR (127.0.0.1), PYTHON (python).
set -e

SCRIPT=$1
NUM_PROCS=$2
TOOLS_DIR="$(cd "$(dirname "$0")" && pwd)"

PYTHONPATH="$TOOLS_DIR/..":$PYTHONPATH \
"${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NUM_PROCS" \
    --master_port="${PORT:-29500}" \
    "$TOOLS_DIR/$SCRIPT" "${@:3}" --launcher pytorch
