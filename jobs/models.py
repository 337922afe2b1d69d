from django.db import models


class PeriodicRun(models.Model):
    """A periodic job claimed for one tick: the row's uniqueness is the lock that runs it once.

    Every consumer's scheduler enqueues each periodic job every minute; the first to insert
    (job, tick) runs it, the others skip. Rows are also the record of when each job last ran.
    """

    job = models.CharField(max_length=100)
    tick = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "tick"], name="one_run_per_job_tick")]
        ordering = ["-tick", "job"]

    def __str__(self):
        return f"{self.job} at {self.tick:%Y-%m-%d %H:%M}"
