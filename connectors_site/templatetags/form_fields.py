"""Filters for rendering fields through crispy-forms in a layout of rows."""

from django import template

register = template.Library()


@register.filter
def help_once(bound_field, help_id):
    """Return the field without its own help text, described by the shared help `help_id` instead.

    For rows that repeat (API key parameters): the help is shown once, above the rows, and each
    row's field points to it (and to its own error, when it has one).
    """
    bound_field.help_text = bound_field.field.help_text = ""
    ids = [help_id] + ([f"{bound_field.auto_id}_error"] if bound_field.errors else [])
    bound_field.field.widget.attrs["aria-describedby"] = " ".join(ids)
    return bound_field
