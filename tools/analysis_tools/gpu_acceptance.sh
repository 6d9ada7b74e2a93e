#!/usr/bin/env bash
# GPU acceptance: the speed and memory figures of the docs in one command,
# within about 8 minutes on one GPU (CUDA).
#
#   bash tools/analysis_tools/gpu_acceptance.sh [--dry-run] [OUT_DIR]
#
# Runs, each with random weights (nothing is downloaded) and its figures
# written to OUT_DIR (default work_dirs/gpu_acceptance) as .json and .log:
#   1. the training step of DualCoOp (configs/dualcoop/coco.py), TRM-ML
#      (configs/trm_ml/coco.py) and SigRL (configs/sigrl/coco_zsl.py) at
#      their published sizes (the config's image size and batch) in fp32 and
#      bf16: stages, images/s, peak memory, max logit difference vs fp32;
#   2. DualCoOp's NUS-WIDE zero-shot step (RN50, 224, batch 32, C = 925
#      placeholder names, 64 shared contexts), whole prompts vs the shared
#      prefix;
#   3. the prompt-encoding benchmark (C = 80 / 925 / 1,006, n_ctx 16 / 64,
#      shared and class-specific contexts, both paths);
#   4. SigRL's head memory at C = 925, chunked and unchunked.
# A step that fails or runs out of time is reported and the script goes on;
# the exit status is the number of failed steps.
#
# --dry-run: the same sequence on the CPU at tiny sizes (the shapes demo
# configs, a few classes), to check the commands without a GPU.
# Environment: PYTHON (default: python), STEP_TIMEOUT (seconds per command,
# default 150).
set -uo pipefail

DRY_RUN=0
if [[ "${1:-}" == "--dry-run" ]]; then
    DRY_RUN=1
    shift
fi
OUT_DIR=${1:-work_dirs/gpu_acceptance}
PYTHON=${PYTHON:-python}
STEP_TIMEOUT=${STEP_TIMEOUT:-150}
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$OUT_DIR"
SUMMARY="$OUT_DIR/summary.md"
: > "$SUMMARY"
FAILED=0
START=$(date +%s)

if [[ $DRY_RUN == 1 ]]; then
    DEVICE=cpu
    STEP_CONFIGS="dualcoop:configs/demo/dualcoop_shapes.py trm_ml:configs/demo/trm_ml_shapes.py sigrl:configs/demo/sigrl_shapes_zsl.py"
    STEP_ARGS=(--batch-size 2 --steps 1 --warmup 0)
    ZSL_ARGS=(--num-classes 6 --batch-size 1 --image-size 64 --steps 1 --warmup 0)
    PROMPT_ARGS=(--num-classes 3 5 --n-ctx 2 4 --repeats 1)
    SIGRL_ARGS=(--classes 16 --batch-size 2 --patches 16 --dim 32 --fit-classes 4 8)
else
    DEVICE=cuda
    STEP_CONFIGS="dualcoop:configs/dualcoop/coco.py trm_ml:configs/trm_ml/coco.py sigrl:configs/sigrl/coco_zsl.py"
    STEP_ARGS=(--steps 3 --warmup 1)
    ZSL_ARGS=(--num-classes 925 --batch-size 32 --steps 3 --warmup 1)
    PROMPT_ARGS=(--num-classes 80 925 1006 --n-ctx 16 64 --repeats 3)
    SIGRL_ARGS=(--classes 925 --max-gb 60)
fi

# run NAME COMMAND...: run with a time limit, log it, append its table
run() {
    local name=$1
    shift
    echo "== $name: $*" | tee -a "$SUMMARY"
    local began=$(date +%s)
    timeout "$STEP_TIMEOUT" "$@" > "$OUT_DIR/$name.log" 2>&1
    local status=$?
    if [[ $status == 0 ]]; then
        grep -E '^\||speed-up|->|peak|logits vs' "$OUT_DIR/$name.log" \
            >> "$SUMMARY"
    else
        [[ $status == 124 ]] && echo "TIMED OUT after ${STEP_TIMEOUT} s" \
            | tee -a "$SUMMARY"
        echo "FAILED (exit $status); see $OUT_DIR/$name.log" \
            | tee -a "$SUMMARY"
        tail -n 5 "$OUT_DIR/$name.log"
        FAILED=$((FAILED + 1))
    fi
    echo "($(( $(date +%s) - began )) s)" | tee -a "$SUMMARY"
    echo >> "$SUMMARY"
}

for entry in $STEP_CONFIGS; do
    method=${entry%%:*}
    config=${entry#*:}
    for amp in none bf16; do
        run "step_${method}_${amp}" "$PYTHON" "$TOOLS/benchmark_train_step.py" \
            "$config" --device "$DEVICE" --amp "$amp" "${STEP_ARGS[@]}" \
            --json "$OUT_DIR/step_${method}_${amp}.json"
    done
done

run step_dualcoop_nuswide_zsl_text_paths "$PYTHON" \
    "$TOOLS/benchmark_train_step.py" configs/dualcoop/nuswide_zsl.py \
    --device "$DEVICE" --compare-text-paths "${ZSL_ARGS[@]}" \
    --json "$OUT_DIR/step_dualcoop_nuswide_zsl_text_paths.json"

run prompt_encoding "$PYTHON" "$TOOLS/benchmark_prompt_encoding.py" \
    --model RN50 --device "$DEVICE" "${PROMPT_ARGS[@]}" \
    --json "$OUT_DIR/prompt_encoding.json"

run sigrl_memory "$PYTHON" "$TOOLS/benchmark_sigrl_memory.py" \
    --device "$DEVICE" --check "${SIGRL_ARGS[@]}" \
    --json "$OUT_DIR/sigrl_memory.json"

echo "total: $(( $(date +%s) - START )) s, $FAILED failed; figures in $SUMMARY" \
    | tee -a "$SUMMARY"
exit "$FAILED"
