"""{{ field|plain_field }}: crispy-forms' Bootstrap 5 markup for a text input, text area or select, built in
Python (a page of such fields rendered through crispy's nested field templates costs about a millisecond
a field); every other widget, and a form with a crispy helper, goes to crispy's own `as_crispy_field`.

The markup is crispy-bootstrap5's field.html (label, widget, errors, help text) with its classes and ids,
so pages look and read the same; tests/connectors_site/test_plain_fields.py compares the two.

The widget itself (<input>, <textarea>, <select> and its options) is drawn in Python too, as Django's own
widget templates draw it (django/forms/widgets/*.html: the same bytes, compared in the same test file):
those templates include attrs.html once per widget and once per option, about a tenth of a millisecond each.
Any other widget template, or a form with a renderer of its own, goes to the form's renderer as before.
"""

import html

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Input
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeData, mark_safe

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
    parts.append(widget_html(field))
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


# --- the widget, as Django's templates draw it -----------------------------------------------

def _escaped(value):
    """`{{ value }}` of a string (conditional_escape, without its lazy-string wrapper on every call)."""
    if isinstance(value, Promise):
        value = str(value)
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _formatted(value):
    """`{{ value|stringformat:'s' }}` in a template."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value,)
    return text if isinstance(value, SafeData) else html.escape(text)


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    return "".join(f" {_escaped(name)}" + ("" if value is True else f'="{_formatted(value)}"')
                   for name, value in attrs.items() if value is not False)


def _input(widget):
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (f'<input type="{_escaped(widget["type"])}" name="{_escaped(widget["name"])}"'
            f'{value}{_attrs(widget["attrs"])}>\n')


def _textarea(widget):
    if widget["value"] and not isinstance(widget["value"], str):
        return None  # `{{ widget.value }}` would localize it: the template's business
    value = _escaped(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_escaped(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'


def _select(widget):
    parts = [f'<select name="{_escaped(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            if not isinstance(group_name, (str, Promise)):
                return None  # a number would be localized: the template's business
            parts.append(f'\n  <optgroup label="{_escaped(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE or not isinstance(option["label"], (str, Promise)):
                return None
            parts.append(f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_escaped(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
_DRAWN = {f"django/forms/widgets/{name}.html": draw for name, draw in (
    ("text", lambda widget: _input(widget) + "\n"), ("email", lambda widget: _input(widget) + "\n"),
    ("url", lambda widget: _input(widget) + "\n"), ("password", lambda widget: _input(widget) + "\n"),
    ("number", lambda widget: _input(widget) + "\n"), ("textarea", _textarea), ("select", _select))}


class _PythonWidgets:
    """A form renderer that draws the widget templates of _DRAWN in Python and passes any other to `renderer`."""

    def __init__(self, renderer):
        self.renderer = renderer

    def render(self, template_name, context, request=None):
        draw = _DRAWN.get(template_name)
        html = draw(context["widget"]) if draw is not None else None
        # As DjangoTemplates.render, which strips what the template gives.
        return self.renderer.render(template_name, context, request) if html is None else html.strip()


def widget_html(field):
    """str(field) (BoundField.as_widget): the same markup, the common widgets drawn without their templates."""
    renderer = field.form.renderer
    if type(renderer) is not DjangoTemplates or field.field.localize or field.field.show_hidden_initial:
        return str(field)
    widget = field.field.widget
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    return widget.render(name=field.html_name, value=field.value(), attrs=attrs, renderer=_PythonWidgets(renderer))
