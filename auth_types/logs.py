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
