# Cole et al.'s end-to-end schedule: Adam at a constant rate, 10 epochs.
# The paper picks lr in {1e-2, 1e-3, 1e-4, 1e-5} x batch {8, 16} on the
# held-out val split per loss; 1e-5 with batch 8 is the usual pick.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-5))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=8)
