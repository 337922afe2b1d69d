"""The third-party API of the benchmarks: a tiny WSGI app served by gunicorn in its own processes."""

BODY = b'{"ok": true, "items": [1, 2, 3]}'


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]
