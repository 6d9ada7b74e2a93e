# Cole et al.'s linear setting ("linear_fixed_features", beside the
# end-to-end one of ./single_positive_runtime.py): the same ResNet-50, now
# frozen with its batch norms in eval mode (FrozenBackboneClassifier), and
# only the linear layer trained, with Adam for 25 epochs. The paper trains
# on features extracted once; here FeatureCacheHook does that from the
# test-time pipeline (mode 'test': no augmentation) and reads them back
# (docs/feature_cache.md). The paper picks lr in {1e-2, 1e-3, 1e-4, 1e-5}
# x batch {8, 16} on the held-out val split; 1e-3 with the base's batch
# is a reconstruction default.
_base_ = './single_positive_runtime.py'

model = dict(type='FrozenBackboneClassifier')
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_epochs=25)
custom_hooks = [
    dict(type='SetEpochHook'),  # epoch-dependent losses (LL, SPLC, APL)
    dict(type='BestAndLastHook', metric='ssgrl/mAP',
         selection_split='held-out val (20 % of the training list)'),
    dict(type='FeatureCacheHook', mode='test'),
]
