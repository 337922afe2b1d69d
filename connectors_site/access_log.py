"""gunicorn's logger with a cheaper access log line: gunicorn.conf.py's ``logger_class``."""

import types

from gunicorn import glogging

# What gunicorn's own atoms() reads from the environ for its one-letter atoms (the user: a Basic header's).
ENVIRON_READ = ("REMOTE_ADDR", "REQUEST_METHOD", "RAW_URI", "SERVER_PROTOCOL", "PATH_INFO", "QUERY_STRING",
                "HTTP_REFERER", "HTTP_USER_AGENT", "HTTP_AUTHORIZATION")


class Logger(glogging.Logger):
    """gunicorn's own logger, whose atoms() copies every request header, response header and environ entry
    into each access log line's atoms ({name}i, {name}o, {name}e). When the line's format names none of
    them (gunicorn's default format does not), gunicorn's atoms() is given only what its one-letter atoms
    read: the same line, for 4% fewer instructions per proxied call under gunicorn (4.98 -> 4.79 M,
    bench/proxy_instructions.py --gunicorn)."""

    def atoms(self, resp, req, environ, request_time):
        if "{" in self.cfg.access_log_format:
            return super().atoms(resp, req, environ, request_time)
        status_only = types.SimpleNamespace(status=resp.status, sent=getattr(resp, "sent", None), headers=())
        read = {name: environ[name] for name in ENVIRON_READ if name in environ}
        return super().atoms(status_only, (), read, request_time)
