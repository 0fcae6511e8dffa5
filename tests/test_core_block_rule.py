"""The epsilon rule once per residual block (``epsilon_scope='block'``)."""
import torch

from unrolled_lrp.models.unroll import build_gate
from unrolled_lrp.models.unroll.resnet_walker import walk_block
from unrolled_lrp.models.unroll.trace import decode_records


def test_block_rule_at_zero_epsilon_is_lrp0(build_model):
    inputs = torch.randn(1, 3, 40, 36, dtype=torch.float64)
    with torch.no_grad():
        block = build_model('resnet18', mode='epsilon', eps=0.0, epsilon_scope='block')
        lrp0 = build_model('resnet18')
        torch.testing.assert_close(block.double().eval()(inputs, mode='tensor'),
                                   lrp0.double().eval()(inputs, mode='tensor'))


def conservation_error(block, inputs, scope, eps):
    """|sum R_in - sum R_out| / |sum R_out| over one block, for a random output relevance."""
    records = []
    out = walk_block(records, block, inputs, 'block')
    signal = torch.rand(1, 1, *out.shape[1:], generator=torch.Generator().manual_seed(0),
                        dtype=out.dtype)
    relevance_out = (out.unsqueeze(1) * signal).sum()
    signal_in = decode_records(records, signal, build_gate('epsilon', eps, scope))
    relevance_in = (inputs.unsqueeze(1) * signal_in).sum()
    return ((relevance_in - relevance_out).abs() / relevance_out.abs()).item()


def test_block_rule_conserves_relevance_better_than_per_layer_rule(build_model):
    model = build_model('resnet50').double().eval()
    for module in model.backbone.modules():  # bias-free blocks: only epsilon can absorb relevance
        if isinstance(module, torch.nn.BatchNorm2d):
            torch.nn.init.zeros_(module.bias)
            torch.nn.init.zeros_(module.running_mean)
    inputs = torch.relu(torch.randn(1, 64, 9, 11, dtype=torch.float64))
    with torch.no_grad():
        for block in model.backbone.layer1:
            layer = conservation_error(block, inputs, 'layer', eps=0.5)
            per_block = conservation_error(block, inputs, 'block', eps=0.5)
            assert per_block < layer, (per_block, layer)
            assert conservation_error(block, inputs, 'block', eps=0.0) < 1e-10
            inputs = block(inputs)
