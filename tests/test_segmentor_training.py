"""A few AdamW steps on a small synthetic batch lower both losses."""
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample


def toy_batch(batch=4, size=32, seed=0):
    """Images with one bright square of a class-specific colour; the square is the mask."""
    generator = torch.Generator().manual_seed(seed)
    colours = torch.tensor([[0., 0., 0.], [2., -1., -1.], [-1., 2., -1.], [-1., -1., 2.]])
    inputs = torch.randn(batch, 3, size, size, generator=generator) * 0.3
    samples = []
    for i in range(batch):
        cls = i % 3 + 1
        y, x = torch.randint(0, size // 2, (2, ), generator=generator).tolist()
        mask = torch.zeros(1, size, size, dtype=torch.long)
        mask[:, y:y + size // 2, x:x + size // 2] = cls
        inputs[i] += colours[cls][:, None, None] * (mask == cls)
        sample = SegDataSample()
        if i % 2 == 0:  # half the batch is pixel-labelled
            sample.gt_sem_seg = PixelData(data=mask)
        labels = torch.zeros(4)
        labels[[0, cls]] = 1
        sample.gt_image_labels = labels
        samples.append(sample)
    return inputs, samples


def test_adamw_steps_lower_segmentation_and_classification_losses(build_model):
    """A narrow ResNet18 from a random start: the classification loss falls fast; the pixel
    loss falls slower (a heatmap sums to its logit over all pixels, so pixel scores are
    small and the softmax soon sits near log(K) while the network sharpens them)."""
    model = build_model('resnet18', num_classes=4, width=32).train()
    inputs, samples = toy_batch()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    history = []
    for _ in range(30):
        losses = model.loss(inputs, samples)
        history.append({k: v.item() for k, v in losses.items()})
        optimizer.zero_grad()
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optimizer.step()
    assert set(history[0]) == {'loss_cls', 'decode.loss_ce', 'decode.acc_seg'}
    assert history[-1]['loss_cls'] < 0.3 * history[0]['loss_cls']
    assert history[-1]['decode.loss_ce'] < 0.85 * history[0]['decode.loss_ce']


def test_batch_without_masks_skips_the_decoder(build_model, monkeypatch):
    model = build_model('resnet18', num_classes=4).train()
    inputs, samples = toy_batch()
    for sample in samples:
        if 'gt_sem_seg' in sample:
            del sample.gt_sem_seg
    monkeypatch.setattr(model.decode_head, 'forward', lambda *a: (_ for _ in ()).throw(
        AssertionError('decoder ran without masks')))
    assert set(model.loss(inputs, samples)) == {'loss_cls'}
