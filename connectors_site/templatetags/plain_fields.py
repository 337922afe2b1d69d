"""{{ field|plain_field }}: crispy-forms' Bootstrap 5 markup for a text input, text area or select, built in
Python (a page of such fields rendered through crispy's nested field templates costs about a millisecond
a field); every other widget, and a form with a crispy helper, goes to crispy's own `as_crispy_field`.

The markup is crispy-bootstrap5's field.html (label, widget, errors, help text) with its classes and ids,
so pages look and read the same; tests/connectors_site/test_plain_fields.py compares the two.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.forms.widgets import Input
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# Widgets rendered here, and the class crispy-bootstrap5 gives each (besides the widget's own name).
_SELECT_TYPES = (forms.Select,)
_INPUT_EXCLUDED = (forms.FileInput, forms.CheckboxInput, forms.HiddenInput, forms.RadioSelect,
                   forms.CheckboxSelectMultiple, forms.SelectMultiple, forms.MultiWidget)


def _bootstrap_class(widget):
    if isinstance(widget, _INPUT_EXCLUDED):
        return None
    if isinstance(widget, _SELECT_TYPES):
        return "form-select"
    if isinstance(widget, (Input, forms.Textarea)):
        return "form-control"
    return None


def _add_classes(widget, bootstrap):
    """Give the widget crispy's classes, as crispy's {% crispy_field %} does (on the form's own copy)."""
    class_name = widget.__class__.__name__.lower()
    css = widget.attrs.get("class", "")
    if css:
        if css.find(class_name) == -1:
            css += f" {class_name}"
    else:
        css = class_name
    for name in bootstrap.split():
        if name not in css.split():
            css += f" {name}"
    widget.attrs["class"] = css


@register.filter
def plain_field(field):
    widget = field.field.widget
    bootstrap = _bootstrap_class(widget)
    if bootstrap is None or field.is_hidden or getattr(field.form, "helper", None) is not None:
        return as_crispy_field(field)
    errors = field.errors
    _add_classes(widget, f"{bootstrap} is-invalid" if errors else bootstrap)
    required = field.field.required
    parts = [format_html('<div id="div_{}" class="mb-3{}">', field.auto_id,
                         f" {field.css_classes()}" if field.css_classes() else "")]
    if field.label:
        parts.append(format_html(
            '<label{} class="form-label{}">{}{}</label>',
            format_html(' for="{}"', field.id_for_label) if field.id_for_label else "",
            " requiredField" if required else "", field.label,
            mark_safe('<span class="asteriskField">*</span>') if required else ""))
    parts.append(str(field))
    if errors:
        parts.append(format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>', errors.field_id,
            format_html_join("", '<p id="error_{}_{}"><strong>{}</strong></p>',
                             ((number, field.auto_id, error) for number, error in enumerate(errors, start=1)))))
    if field.help_text:
        parts.append(format_html('<div {}class="form-text">{}</div>',
                                 format_html('id="{}_helptext" ', field.auto_id) if field.auto_id else "",
                                 field.help_text))
    parts.append(mark_safe("</div>"))
    return mark_safe("".join(parts))
