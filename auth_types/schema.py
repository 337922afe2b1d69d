"""A type's config as JSON Schema, for connector documents: generated from its config form's fields.

The schema checks the shape of a document's config (names, types, lengths, choices); the
values are then checked by the config form itself, so the two cannot disagree on what is
valid: the schema only refuses earlier, with a JSON path. Secret fields are never in a
document. A field may be left out when the form has a default for it, applies only on a
condition, or is one the installation fills in (admin_completes).
"""

from django import forms


def field_schema(field, *, may_be_empty=True):
    """Return the JSON Schema of one form field's stored value."""
    if hasattr(field, "json_schema"):
        return field.json_schema()  # a field storing more than a string or a number says its shape
    if field.disabled:
        return {"const": field.initial}  # fixed by the form whatever is posted
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):
        bounds = {"minimum": field.min_value, "maximum": field.max_value}
        return {"type": "integer", **{name: value for name, value in bounds.items() if value is not None}}
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, _ in field.choices if value != ""]
        return {"const": values[0]} if len(values) == 1 else {"enum": values}
    schema = {"type": "string"}
    if not may_be_empty:
        schema["minLength"] = 1
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def form_schema(form_class, *, may_be_missing=()):
    """Return the JSON Schema of what `form_class` stores (its secret fields left out).

    A field must be stated when the form requires it and has no default for it, unless it is
    in `may_be_missing` or applies only on a condition.
    """
    properties, required = {}, []
    for name, field in form_class.base_fields.items():
        if name in getattr(form_class, "secret_fields", ()):
            continue
        conditional, left_out = bool(getattr(field, "shown_when", None)), name in may_be_missing
        properties[name] = field_schema(field, may_be_empty=not field.required or conditional or left_out)
        if field.required and field.initial is None and not (conditional or left_out):
            required.append(name)
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    return {**schema, "required": required} if required else schema
