"""The forward trace: what the encoder pass leaves for its tied decoder.

It is an explicit object handed from encoder to decoder (nothing is stashed on the
modules), so a model can be traced any number of times at any input size.
"""
from dataclasses import dataclass


def select_records(records, index):
    return [record.select(index) for record in records]


@dataclass
class ForwardTrace:
    """``records``: the layers in forward order, as the decoder sees them (tied convolutions,
    activations, max-pools, residual sums); ``features``: the last feature map (B, C, h, w);
    ``inputs``: the image batch the trace was taken on; ``stage_ends``: for each stage of the
    backbone, the index in ``records`` where it ends (stage 0 is the ResNet stem, empty for
    VGG; stage ``i`` is the backbone's ``i``-th stage, ``out_indices`` ``i - 1``)."""

    records: list
    features: object
    inputs: object
    stage_ends: list

    def stage_output(self, stage):
        """The (B, C, h, w) tensor the backbone's ``stage`` ends with: the input of the layer
        after it (the last feature map for the last stage)."""
        end = self.stage_ends[stage]
        if end == len(self.records):
            return self.features
        return self.records[end].inputs

    def stage_of(self, position):
        """The stage of the top-level record at ``position``."""
        return next(stage for stage, end in enumerate(self.stage_ends) if position < end)

    def select(self, index):
        """The trace of the samples ``index`` (a 1-D LongTensor) only."""
        return ForwardTrace(select_records(self.records, index), self.features[index],
                            self.inputs[index], self.stage_ends)
