"""The task queue's backends: Huey's, with periodic tasks stamped with the minute they are due.

settings.HUEY names one of these classes (`huey_class`). Every consumer runs a scheduler that
enqueues the periodic tasks due each minute, so with several consumers each periodic task is
enqueued several times per minute; the tick stamped here lets `jobs.periodic` run it once.
Imported by huey.contrib.djhuey while settings load: nothing from Django here.
"""

import huey


class TickStamped:
    """Give each periodic task the minute it was due as its `tick` keyword (ISO 8601, UTC)."""

    def read_periodic(self, timestamp):
        if timestamp is None:
            timestamp = self._get_timestamp()
        tasks = super().read_periodic(timestamp)
        tick = timestamp.replace(second=0, microsecond=0).isoformat()
        for task in tasks:
            task.kwargs = {**task.kwargs, "tick": tick}
        return tasks


class SqliteHuey(TickStamped, huey.SqliteHuey):
    """The embedded queue: a SQLite file beside the database (one machine; no server to run)."""


class RedisHuey(TickStamped, huey.RedisHuey):
    """The production queue, when REDIS_URL is set: any number of consumers on any number of machines."""
