"""Entry-point errors as one message instead of a traceback.

A bad input (a file that is missing, truncated or of the wrong kind, a config that cannot
run) raises an error whose message names the file and the problem; printed under 40 lines
of traceback, that line is easy to miss. The tools print the message alone and exit 1;
``--debug`` (or ``UNROLLED_LRP_DEBUG=1``) lets the traceback through. Exit status 1, as for
the errors the tools raise themselves (``sys.exit("error: ...")``).
"""
import os
import sys

from .quiet_output import filter_third_party_notices

# what bad input raises; programming errors (TypeError, AttributeError, and RuntimeError: torch
# raises it for a shape mismatch, a real bug) keep their traceback
USER_ERRORS = (ValueError, OSError, EOFError)


def run_main(main, *args, **kwargs):
    """Calls ``main``; a user error becomes ``error: <message>`` and exit status 1. Known
    third-party notices are filtered first (``quiet_output``)."""
    filter_third_party_notices()
    debug = '--debug' in sys.argv[1:] or os.environ.get('UNROLLED_LRP_DEBUG') == '1'
    if '--debug' in sys.argv[1:]:
        sys.argv.remove('--debug')
    try:
        return main(*args, **kwargs)
    except USER_ERRORS as error:
        if debug:
            raise
        message = str(error).strip() or type(error).__name__
        if not isinstance(error, ValueError):
            message = f'{type(error).__name__}: {message}'
        print(f'error: {message}\n(--debug shows the traceback)', file=sys.stderr)
        sys.exit(1)
