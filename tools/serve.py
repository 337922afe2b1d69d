"""`make run`'s last step: the development web server and one queue consumer, started and stopped together.

    python tools/serve.py HOST:PORT

Ctrl-C (or SIGTERM) stops both; when one of them exits, the other is stopped too and the exit
status is the first one's. Each child gets the signal once and a few seconds to finish.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 10


def main(address):
    commands = {
        "web": [sys.executable, "manage.py", "runserver", address],
        "queue": [sys.executable, "manage.py", "run_huey"],
    }
    # Each child in a process group of its own: a Ctrl-C in the terminal reaches this process only,
    # which passes it on once (a consumer hit twice stops without waiting for its running tasks).
    # Ctrl-C's default action back for the children, even when this was started with SIGINT ignored
    # (a background job of a script).
    children = {name: subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
                for name, command in commands.items()}
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping and all(child.poll() is None for child in children.values()):
        time.sleep(0.2)
    for name, child in children.items():
        if child.poll() is not None and not stopping:
            print(f"*** The {name} process exited ({child.returncode}); stopping the other.", file=sys.stderr)
            status = status or child.returncode or 1
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGINT)  # the whole group: runserver's reloader has a child
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"))
