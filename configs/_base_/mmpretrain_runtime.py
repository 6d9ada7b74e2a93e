# mmpretrain's default runtime (configs/_base_/default_runtime.py of
# mmpretrain 1.x) written out, for configs that want it without this
# package's multi-label hooks (configs/demo/shapes_clip_pretrain.py); no
# `mmpretrain::` inheritance (which needs pkg_resources). The runner and the
# reliability hooks are this package's, as in default_runtime.py.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmpretrain_mlr'], allow_failed_imports=False)
runner_type = 'mmpretrain.PortableRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='SafeCheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    random_state=dict(type='RandomStateHook'),
    divergence_guard=dict(type='DivergenceGuardHook'),
    strict_load=dict(type='StrictLoadHook'),
    observed_label_check=dict(type='ObservedLabelCheckHook'),
    rank_progress=dict(type='RankProgressHook'),
    vocabulary_check=dict(type='VocabularyCheckHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
