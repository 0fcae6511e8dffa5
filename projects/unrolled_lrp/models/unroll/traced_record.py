"""What every record of a :class:`ForwardTrace` offers the :class:`TiedDecoder`."""


class TracedRecord:
    """A layer of the encoder's forward pass as the decoder sees it: ``decode(decoder,
    signal)`` is its decoder step (with the rule the decoder gave it), ``inner_records()``
    the chains of records inside it that get rules of their own (none for a single layer)."""

    kind = None

    def inner_records(self):
        return ()

    def decode(self, decoder, signal):
        raise NotImplementedError(f'{type(self).__name__} has no decoder step')
