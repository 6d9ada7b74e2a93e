# The runtime of every config of this package: mmpretrain's default
# runtime (configs/_base_/default_runtime.py of mmpretrain 1.x), written
# out here so that no config needs `mmpretrain::` inheritance, plus this
# package's runner and hooks.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmpretrain_mlr'], allow_failed_imports=False)
# mmengine's Runner plus the work-dir rule (work_dirs/<folder>/<name>),
# the auto resume from the newest readable checkpoint, CPU multi-process
# set-up and the --amp fallback on CPU, under every tool that honours
# runner_type (mmpretrain's and `mim train` included)
runner_type = 'mmpretrain.PortableRunner'

default_hooks = dict(
    # mmpretrain's defaults
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # crash-safe (atomic) checkpoints; CheckpointHook's arguments
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=3,
                    save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    # reliability: listed here so that every entry point, mmengine's own
    # Runner.from_cfg included, builds them (under PortableRunner, set one to
    # None to drop it)
    random_state=dict(type='RandomStateHook'),  # exact resume
    divergence_guard=dict(type='DivergenceGuardHook'),  # non-finite loss
    strict_load=dict(type='StrictLoadHook'),  # checkpoint must fit model
    observed_label_check=dict(type='ObservedLabelCheckHook'),
    rank_progress=dict(type='RankProgressHook'),  # name a stalled rank
    # model vocabulary vs the labels' classes, by name and order
    vocabulary_check=dict(type='VocabularyCheckHook'),
    # per-epoch figures and cross-process checks of heads that report them
    epoch_summary=dict(type='EpochSummaryHook'),
    # images, classes and known positive / negative / unknown label entries
    label_summary=dict(type='LabelProtocolSummaryHook'),
    # checkpoints without the frozen weights the model rebuilds from its
    # pretrained source (content hash checked on load); save_frozen=True
    # saves everything
    frozen_weights=dict(type='FrozenWeightsHook', save_frozen=False))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

# TensorBoard / Weights & Biases logging (extras `tensorboard`, `wandb`):
#   vis_backends = [dict(type='LocalVisBackend'),
#                   dict(type='TensorboardVisBackend')]   # or WandbVisBackend
# then visualizer = dict(vis_backends=vis_backends) in a config, or on the
# command line: --cfg-options "visualizer.vis_backends=[dict(type=
# 'LocalVisBackend'),dict(type='TensorboardVisBackend')]"
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
