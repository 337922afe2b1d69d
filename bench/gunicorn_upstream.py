"""gunicorn settings of the benchmarks' upstream: none beyond the command line (not the app's gunicorn.conf.py)."""
