"""The builder's stepper: General → Security → OAuth Scopes (types that use scopes) → Ready."""

import dataclasses

from django.urls import reverse

DONE, PROBLEMS, TODO, OPTIONAL = "done", "problems", "todo", "optional"
STATE_LABELS = {DONE: "Done", PROBLEMS: "Has problems", TODO: "To do", OPTIONAL: "Optional"}


@dataclasses.dataclass
class Step:
    key: str
    label: str
    url: str
    state: str
    problems: list
    complete: bool  # counts towards the progress

    @property
    def state_label(self):
        return STATE_LABELS[self.state]


@dataclasses.dataclass
class Steps:
    steps: list
    current: str

    def __iter__(self):
        return iter(self.steps)

    def __len__(self):
        return len(self.steps)

    @property
    def done(self):
        return sum(step.complete for step in self.steps)

    @property
    def problems(self):
        """Return what blocks Mark as Ready, in step order."""
        return [problem for step in self.steps for problem in step.problems]

    @property
    def blocking(self):
        """Return the steps that must be fixed before Mark as Ready."""
        return [step for step in self.steps if step.problems]

    def get(self, key):
        return next((step for step in self.steps if step.key == key), None)

    def after(self, key):
        """Return the step that follows `key` (Save & Continue goes there)."""
        keys = [step.key for step in self.steps]
        return self.steps[min(keys.index(key) + 1, len(keys) - 1)]

    @property
    def current_step(self):
        return self.get(self.current)


def scope_recommendation(connector):
    """Return the help page's recommendation, worded for the connector's type, when it has no scopes."""
    if connector.uses_scopes and not connector.scopes.exists():
        name = connector.kind.name
        return (f"We strongly recommend adding scopes to your {name} connector, even though scopes in {name} "
                "are optional.")
    return None


def builder_steps(connector, current=""):
    """Return the connector's steps with their state; `current` names the page being shown."""
    def url(name):
        return reverse(f"builder:{name}", args=[connector.pk])

    general = connector.general_problems()
    security = connector.security_problems(recent=True)  # a check of this version made < 1 minute ago will do
    steps = [
        Step("general", "General", url("general"), PROBLEMS if general else DONE, general, not general),
        Step("security", "Security", url("security"),
             TODO if not connector.kind else PROBLEMS if security else DONE, security, not security),
    ]
    if connector.uses_scopes:
        has_scopes = connector.scopes.exists()
        # Scopes are optional: none is not a problem, and a Ready connector is complete without them.
        steps.append(Step("scopes", "OAuth Scopes", url("scopes"), DONE if has_scopes else OPTIONAL, [],
                          has_scopes or connector.is_ready))
    steps.append(Step("ready", "Ready", url("mark_ready"), DONE if connector.is_ready else TODO, [],
                      connector.is_ready))
    return Steps(steps, current)
