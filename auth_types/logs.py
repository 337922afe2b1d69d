"""Keep libraries that sign requests from logging secrets at DEBUG."""

import logging


class _AboveDebug(logging.Filter):
    """Drop DEBUG records: signing libraries log what they sign (tokens, signature base strings)."""

    def filter(self, record):
        return record.levelno > logging.DEBUG


def drop_debug_records(*logger_names):
    """Drop the DEBUG records of these loggers (a filter sees only its own logger's records, not its children's)."""
    for name in logger_names:
        logging.getLogger(name).addFilter(_AboveDebug())


class _WithoutPaths(logging.Filter):
    """Blank the request path in urllib3's request lines: an API key may be sent in the URL path."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple("/…" if isinstance(arg, str) and arg.startswith("/") else arg for arg in record.args)
        return True


def hide_request_paths(logger_name="urllib3.connectionpool"):
    logging.getLogger(logger_name).addFilter(_WithoutPaths())
