"""The auth-type contract, checked: at registration (hooks) and by a system check (templates).

A type states its grant kinds; each kind needs hooks of its own (REQUIRED_HOOKS). A type that
misses one is refused when the registry is built, so the application does not start, rather
than failing at the first connection that needs it.
"""

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from .base import DIRECT, FORM, REDIRECT, AuthType
from .forms import ConfigForm  # the plain form: a type's usually is base.ConfigForm (with mutual TLS)

GRANT_KINDS = (FORM, REDIRECT, DIRECT)
# The hooks each grant kind calls, beyond auth(), which every type needs.
REQUIRED_HOOKS = {
    FORM: ("credential_form",),
    REDIRECT: ("begin", "callback_state", "complete"),
    DIRECT: ("fetch_token",),
}


def overrides(cls, hook):
    return getattr(cls, hook) is not getattr(AuthType, hook)


def contract_problems(cls):
    """Return what `cls` (an AuthType subclass) lacks to keep the contract, as sentences."""
    name = cls.__name__
    if not (isinstance(cls, type) and issubclass(cls, AuthType)):
        return [f"{name} is not an AuthType."]
    problems = []
    if not cls.key or not cls.name:
        problems.append(f"{name} needs a key and a name.")
    elif not cls.key.isidentifier():
        problems.append(f"{name}'s key {cls.key!r} must be an identifier (letters, digits, _).")
    if not (isinstance(cls.config_form, type) and issubclass(cls.config_form, ConfigForm)):
        problems.append(f"{name}.config_form must be a ConfigForm subclass.")
    else:
        problems += [f"{name}.config_form names a secret field it does not have: {field!r}."
                     for field in cls.config_form.secret_fields if field not in cls.config_form.base_fields]
        problems += [f"{name}.admin_completes names a field its config form does not have: {field!r}."
                     for field in cls.admin_completes if field not in cls.config_form.base_fields]
        problems += condition_problems(name, cls.config_form.base_fields)
    kinds = tuple(cls.grant_kinds)
    unknown = [kind for kind in kinds if kind not in GRANT_KINDS]
    if not kinds or unknown:
        problems.append(f"{name}.grant_kinds must name one or more of {', '.join(GRANT_KINDS)}.")
    hooks = ["auth"] + [hook for kind in kinds for hook in REQUIRED_HOOKS.get(kind, ())]
    if overrides(cls, "can_refresh"):
        hooks.append("refresh")
    problems += [f"{name} must define {hook}() (grant kinds: {', '.join(kinds)})."
                 for hook in dict.fromkeys(hooks) if not overrides(cls, hook)]
    if REDIRECT in kinds and not cls.uses_callback:
        problems.append(f"{name} has a redirect flow, so it must set uses_callback (the builder shows the URL).")
    if len(kinds) > 1 and not overrides(cls, "grant_kind"):
        problems.append(f"{name} has several grant kinds, so it must define grant_kind(config).")
    return problems


def condition_problems(name, fields):
    """Return what is wrong with the fields' shown_when declarations: unknown fields, cycles."""
    problems = []
    for field_name, field in fields.items():
        for control in getattr(field, "shown_when", None) or {}:
            if control not in fields:
                problems.append(f"{name}: {field_name} is shown when {control!r}, a field the form does not have.")
    for field_name in fields:
        seen, todo = set(), list((getattr(fields[field_name], "shown_when", None) or {}))
        while todo:
            control = todo.pop()
            if control == field_name:
                problems.append(f"{name}: {field_name} is shown on a condition that depends on itself.")
                break
            if control in fields and control not in seen:
                seen.add(control)
                todo += list(getattr(fields[control], "shown_when", None) or {})
    return problems


def template_problems(auth_type):
    """Return the templates `auth_type` renders that cannot be loaded."""
    problems = []
    for template_name in auth_type.templates():
        try:
            get_template(template_name)
        except TemplateDoesNotExist:
            problems.append(f"{type(auth_type).__name__} renders {template_name!r}, which does not exist.")
    return problems


def check_auth_types(app_configs=None, **kwargs):
    """Django system check: every registered type keeps the contract and has its templates."""
    from . import registry

    errors = []
    for auth_type in registry.all_types():
        messages = contract_problems(type(auth_type)) + template_problems(auth_type)
        errors += [checks.Error(message, obj=type(auth_type), id="auth_types.E001") for message in messages]
    return errors
