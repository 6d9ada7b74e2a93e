# mmpretrain's runtime (hooks, logging, visualizer), plus this package.
_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['mmpretrain_mlr'], allow_failed_imports=False)
# mmengine's Runner plus CPU multi-process set-up and the --amp fallback on
# CPU, under every tool that honours runner_type (mmpretrain's included)
runner_type = 'mmpretrain.PortableRunner'

default_hooks = dict(
    # model vocabulary vs the labels' classes, by name and order
    vocabulary_check=dict(type='VocabularyCheckHook'),
    # per-epoch figures and cross-process checks of heads that report them
    epoch_summary=dict(type='EpochSummaryHook'),
    # images, classes and known positive / negative / unknown label entries
    label_summary=dict(type='LabelProtocolSummaryHook'),
    # checkpoints without the frozen weights the model rebuilds from its
    # pretrained source (content hash checked on load); save_frozen=True
    # saves everything
    frozen_weights=dict(type='FrozenWeightsHook', save_frozen=False),
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                    save_best='auto'))
