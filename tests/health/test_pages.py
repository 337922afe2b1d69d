"""What people see of health: the connection page's section and chart, badges and the needs-attention filter."""

import re

import pytest
from django.urls import reverse

from connections.models import Connection
from health import services

pytestmark = pytest.mark.django_db


def test_the_connection_page_shows_health_a_chart_of_the_checks_and_the_next_check(client, end_user,
                                                                                  checked_connection):
    connection = checked_connection("/status/503")
    for _ in range(3):
        services.check(connection)
    connection.connector.test_url = connection.connector.test_url.replace("/status/503", "/bearer")
    connection.connector.save()
    services.check(connection)
    services.check(connection)
    client.force_login(end_user)

    page = client.get(connection.get_absolute_url()).content.decode()
    section = page[page.index('data-testid="connection-health"'):page.index('id="console"')]
    assert re.search(r'data-testid="health-state">Connected<', section)
    svg = section[section.index("<svg"):section.index("</svg>")]
    bars = re.findall(r'<rect class="health-bar-(\w+)"', svg)
    assert bars == ["failed", "failed", "failed", "ok", "ok"]  # oldest on the left
    assert "Last 5 checks: 2 passed" in svg and "HTTP 503" not in svg and "503" in svg
    assert "style=" not in section
    assert 'data-testid="next-check">' in section and "none: this connector" not in section
    assert re.search(r'data-testid="last-check">Last check .*: Passed, HTTP 200', section)


def test_a_connector_without_test_request_says_there_is_no_check(client, end_user, checked_connection):
    connection = checked_connection()
    connection.connector.test_url = ""
    connection.connector.save()
    client.force_login(end_user)
    page = client.get(connection.get_absolute_url()).content.decode()
    assert "none: this connector has no test request or its checks are off" in page
    assert "<svg" not in page[page.index('data-testid="connection-health"'):]


def test_the_chart_keeps_the_last_48_checks(client, end_user, checked_connection):
    connection = checked_connection()
    for _ in range(50):
        services.check(connection)
    client.force_login(end_user)
    page = client.get(connection.get_absolute_url()).content.decode()
    assert page.count('<rect class="health-bar-') == 48


def test_badges_and_the_needs_attention_filter(client, end_user, checked_connection):
    healthy = checked_connection("/bearer", name="Healthy one")
    degraded = checked_connection("/status/500", name="Degraded one")
    reauthorize = checked_connection("/bearer", name="Reauthorize one")
    disabled = checked_connection("/status/500", name="Disabled one")
    for connection in (healthy, degraded, disabled):
        services.check(connection)
    Connection.objects.filter(pk=reauthorize.pk).update(status=Connection.Status.NEEDS_REAUTHORIZATION)
    Connection.objects.filter(pk=disabled.pk).update(enabled=False)
    client.force_login(end_user)

    listed = client.get(reverse("connections:list")).content.decode()
    assert badges_of(listed) == {
        "Healthy one": ["Connected"], "Degraded one": ["Connected", "Degraded"],
        "Reauthorize one": ["Needs reauthorization"], "Disabled one": ["Disabled"]}

    page = client.get(reverse("connections:list"), {"attention": "1"}).content.decode()
    attention = page[page.index('<div class="list-group'):]
    assert "Degraded one" in attention and "Reauthorize one" in attention
    assert "Healthy one" not in attention and "Disabled one" not in attention
    assert re.search(r'<input[^>]*id="attention-filter" checked>', page)

    home = client.get(reverse("microservices")).content.decode()
    assert re.search(r'data-testid="needs-attention">Needs attention \(2\)<', home)
    assert home.count('data-testid="health-badge"') == 1  # only the one that says more than its status
    assert badges_of(home)["Degraded one"] == ["Connected", "Degraded"]


def badges_of(html):
    """Return each listed connection's badges (status, then health when shown), by connection name."""
    badges = {}
    for link in html.split("</a>"):  # each listed connection is one link
        name = re.search(r'<div class="fw-semibold[^"]*">([^<]+)</div>', link)
        if name:
            badges[name[1]] = re.findall(
                r'<span class="badge [^"]*" data-testid="(?:connection-status|health-badge)"[^>]*>([^<]+)<', link)
    return badges


def test_the_health_badge_shows_only_what_the_status_does_not_say(client, end_user, checked_connection):
    """A status badge "Connected" and a health badge "Connected" side by side say one thing twice."""
    from health.templatetags.health import badge as health_badge

    connection = checked_connection("/bearer", name="Fine")
    services.check(connection)
    assert health_badge(connection) is None  # Connected, as its status says
    failing = checked_connection("/status/503", name="Flaky")
    services.check(failing)
    failing = Connection.objects.get(pk=failing.pk)
    assert failing.status == Connection.Status.CONNECTED and health_badge(failing) == ("text-bg-warning", "Degraded")  # Degraded: news
    for status in (Connection.Status.NEEDS_REAUTHORIZATION, Connection.Status.REVOKED, Connection.Status.PENDING,
                   Connection.Status.FAILING):
        Connection.objects.filter(pk=failing.pk).update(status=status)
        assert health_badge(Connection.objects.get(pk=failing.pk)) is None, status
    Connection.objects.filter(pk=failing.pk).update(status=Connection.Status.CONNECTED, enabled=False)
    assert health_badge(Connection.objects.get(pk=failing.pk)) is None  # "Disabled" once

    client.force_login(end_user)
    page = client.get(reverse("connections:detail", args=[connection.link_name])).content.decode()
    assert page.count('<span class="badge text-bg-success"') == 1  # the status; the Health section says it plainly
    assert re.search(r'<span class="text-body-secondary" data-testid="health-state">Connected<', page)


def test_no_needs_attention_link_when_all_is_well(client, end_user, checked_connection):
    services.check(checked_connection("/bearer"))
    client.force_login(end_user)
    assert 'data-testid="needs-attention"' not in client.get(reverse("microservices")).content.decode()
