"""{% error_summary form ... %}: one partial for every refused form (the summary at the top of a page).

Each problem links to its field; form-level problems are listed without a link. Formsets are
walked row by row, and so are formsets a form holds as an attribute (API key parameters).
"""

from django import forms, template

register = template.Library()


def _formset_items(formset):
    items = [(None, str(error)) for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        if formset.can_delete and formset._should_delete_form(form):
            continue  # a removed row's problems no longer matter
        items += [(target, f"Row {number} · {message}") for target, message in _form_items(form)]
    return items


def _form_items(form):
    if isinstance(form, forms.BaseFormSet):
        return _formset_items(form) if form.is_bound else []
    if not isinstance(form, forms.BaseForm) or not form.is_bound:
        return []
    items = [(None, str(error)) for error in form.non_field_errors()]
    for field in form:
        target = field.id_for_label or field.auto_id or None
        items += [(target, f"{field.label}: {error}" if field.label else str(error)) for error in field.errors]
    for value in vars(form).values():
        if isinstance(value, forms.BaseFormSet):
            items += _formset_items(value)
    return items


def error_items(*forms_):
    """Return (field id or None, message) for every problem of the given forms and formsets (or lists of them)."""
    flat = [item for form in forms_ for item in (form if isinstance(form, (list, tuple)) else [form])]
    return [item for form in flat if form is not None for item in _form_items(form)]


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms_):
    return {"items": error_items(*forms_)}
