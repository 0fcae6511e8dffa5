"""A decoder with its own weights: the UNet and FCN baselines of the paper's Tables 1 and 3."""
import torch
import torch.nn.functional as F
from mmseg.models.backbones.unet import BasicConvBlock
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import nn

from ..losses import DEFAULT_LOSS, build_decode_losses


@MODELS.register_module()
class FreeDecoderHead(BaseDecodeHead):
    """Climbs from the last encoder stage back to input resolution with free weights.

    Each decoder stage doubles the resolution by nearest upsampling (to the size of the
    matching encoder stage where there is one), concatenates that encoder stage if it was
    given, and applies ``num_convs`` 3x3 conv-norm-ReLU blocks. One branch decodes all
    classes; ``conv_seg`` maps the last stage to class scores.

    What the head receives decides the architecture: several encoder stages
    (``input_transform='multiple_select'``) make it a UNet with concatenated skips; the
    last stage alone (``input_transform=None``) makes it the single-branch FCN of the
    paper's ablation. Unlike the unrolled decoder, nothing is tied to the encoder.

    Args:
        decoder_channels (Sequence[int]): Output channels of the decoder stages, deepest
            first; one stage per doubling of resolution (5 from stride 32 to stride 1).
        num_convs (int): Convolutions per decoder stage.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels``, ``in_index``,
            ``input_transform``, ``num_classes``, ``norm_cfg``, ...); ``channels`` is
            ``decoder_channels[-1]``.
    """

    def __init__(self, decoder_channels=(256, 128, 64, 32, 16), num_convs=2, **kwargs):
        if 'channels' in kwargs:
            raise ValueError('FreeDecoderHead takes decoder_channels, not channels: the '
                             'classifier reads the last decoder stage')
        loss_decode = kwargs.pop('loss_decode', DEFAULT_LOSS)
        super().__init__(channels=decoder_channels[-1], loss_decode=[], **kwargs)
        self.loss_decode = build_decode_losses(loss_decode)
        stages = list(self.in_channels) if isinstance(self.in_channels, (list, tuple)) else [
            self.in_channels]
        skips = stages[-2::-1]
        if len(skips) > len(decoder_channels):
            raise ValueError(f'FreeDecoderHead: {len(skips)} skip connections need at least as '
                             f'many decoder stages, got decoder_channels={decoder_channels}')
        blocks, previous = [], stages[-1]
        for index, out_channels in enumerate(decoder_channels):
            skip = skips[index] if index < len(skips) else 0
            blocks.append(BasicConvBlock(previous + skip, out_channels, num_convs=num_convs,
                                         conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                                         act_cfg=self.act_cfg))
            previous = out_channels
        self.blocks = nn.ModuleList(blocks)

    def forward(self, inputs):
        features = self._transform_inputs(inputs)
        if isinstance(features, torch.Tensor):
            features = [features]
        x, skips = features[-1], features[-2::-1]
        for index, block in enumerate(self.blocks):
            if index < len(skips):
                x = torch.cat([F.interpolate(x, size=skips[index].shape[2:], mode='nearest'),
                               skips[index]], dim=1)
            else:
                x = F.interpolate(x, scale_factor=2, mode='nearest')
            x = block(x)
        return self.cls_seg(x)
