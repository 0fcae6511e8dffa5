"""``--cfg-options KEY=VALUE ...`` as mmengine parses it, with its mistakes named in one line.

mmengine's ``DictAction`` answers an option without ``=`` with "not enough values to unpack"
and an unbalanced bracket with an ``AssertionError`` traceback, neither naming the option.
"""
import argparse

from mmengine.config import DictAction


class CheckedDictAction(DictAction):
    """mmengine's ``DictAction``; a malformed ``KEY=VALUE`` is an argparse error naming it."""

    def __call__(self, parser, namespace, values, option_string=None):
        for pair in values:
            key, sep, value = pair.partition('=')
            if not sep or not key:
                parser.error(f'{option_string} {pair!r}: expected KEY=VALUE, e.g. '
                             'train_cfg.max_iters=100')
            for opening, closing in ('[]', '()'):
                if value.count(opening) != value.count(closing):
                    parser.error(f'{option_string} {pair!r}: unbalanced {opening}{closing} '
                                 '(quote a value with brackets for the shell)')
        try:
            super().__call__(parser, namespace, values, option_string)
        except (AssertionError, ValueError) as error:
            raise argparse.ArgumentError(self, f'{values}: {error}') from error
