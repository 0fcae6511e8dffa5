# The reference optimisation: AdamW, lr 1e-5 for a batch of 10, constant. auto_scale_lr keeps
# lr / batch on any number of GPUs: lr = 1e-5 * (GPUs x samples per GPU) / 10.
_base_ = ['mmseg::_base_/schedules/schedule_20k.py']
optimizer = dict(_delete_=True, type='AdamW', lr=1e-5, betas=(0.9, 0.999), weight_decay=0.01)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)  # replaces SGD (_delete_ above)
param_scheduler = [dict(type='ConstantLR', factor=1.0, begin=0, end=20000, by_epoch=False)]
auto_scale_lr = dict(enable=True, base_batch_size=10)
