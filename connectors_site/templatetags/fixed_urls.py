"""{% fixed_url 'name' %}: {% url 'name' %} for an address without arguments that every page draws (the
navigation bar), reversed once (connectors_site/reversing.py) rather than on every page; the bar has seven."""

from django import template

from connectors_site.reversing import reverse_once

register = template.Library()


@register.simple_tag
def fixed_url(name):
    return reverse_once(name)
