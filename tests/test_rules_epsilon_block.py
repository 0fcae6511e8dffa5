"""The epsilon rule once per residual block (``LRPEpsilon(scope='block')``)."""
import torch

from unrolled_lrp.models.unroll import TiedDecoder, walk_backbone
from unrolled_lrp.models.unroll.tied_residual import TiedResidual


def test_block_rule_at_zero_epsilon_is_lrp0(build_model):
    inputs = torch.randn(1, 3, 40, 36, dtype=torch.float64)
    with torch.no_grad():
        block = build_model('resnet18', composite=dict(type='LRPEpsilon', epsilon=0.0,
                                                       scope='block'))
        lrp0 = build_model('resnet18')
        torch.testing.assert_close(block.double().eval()(inputs, mode='tensor'),
                                   lrp0.double().eval()(inputs, mode='tensor'))


def conservation_errors(model, inputs, scope, eps):
    """|sum R_in - sum R_out| / |sum R_out| over each block of the first stage, for a random
    output relevance."""
    backbone, head = model.backbone, model.decode_head
    trace = walk_backbone(backbone, inputs)
    decoder = TiedDecoder(trace, model.classifier.weight, head.conv_seg.bias,
                          dict(type='LRPEpsilon', epsilon=eps, scope=scope))
    records = trace.records
    errors = []
    for position in range(trace.stage_ends[0], trace.stage_ends[1]):
        residual = records[position]
        if not isinstance(residual, TiedResidual):
            continue
        block, out = records[position:position + 2], residual.output
        block_inputs = residual.branch[0].inputs
        signal = torch.rand(1, 1, *out.shape[1:], generator=torch.Generator().manual_seed(0),
                            dtype=out.dtype)
        relevance_out = (out.unsqueeze(1) * signal).sum()
        relevance_in = (block_inputs.unsqueeze(1) * decoder.decode(block, signal)).sum()
        errors.append(((relevance_in - relevance_out).abs() / relevance_out.abs()).item())
    return errors


def test_block_rule_conserves_relevance_better_than_per_layer_rule(build_model):
    model = build_model('resnet50').double().eval()
    for module in model.backbone.modules():  # bias-free blocks: only epsilon can absorb relevance
        if isinstance(module, torch.nn.BatchNorm2d):
            torch.nn.init.zeros_(module.bias)
            torch.nn.init.zeros_(module.running_mean)
    inputs = torch.randn(1, 3, 36, 44, dtype=torch.float64)
    with torch.no_grad():
        per_layer = conservation_errors(model, inputs, 'layer', eps=0.5)
        per_block = conservation_errors(model, inputs, 'block', eps=0.5)
        exact = conservation_errors(model, inputs, 'block', eps=0.0)
    assert len(per_block) == 3
    for block, layer in zip(per_block, per_layer):
        assert block < layer, (per_block, per_layer)
    assert max(exact) < 1e-10
