"""The guard refuses every row of IANA's special-purpose address registries (IPv4 and IPv6).

The registries are kept beside this test as IANA publishes them (iana/*.csv, columns trimmed):
each row's first, middle and last address is refused, whatever ``ipaddress.is_global`` says
(on Python 3.11 it lets 192.0.0.0/24 through, e.g. the dummy address 192.0.0.8). NAT64 and
6to4 carry an IPv4 address, which decides instead.
"""

import csv
import ipaddress
from pathlib import Path

import pytest

from connectors_site import guard, outbound
from tests.connectors_site.conftest import assert_untouched

REGISTRIES = Path(__file__).parent / "iana"
CARRY_IPV4 = {"64:ff9b::/96", "2002::/16"}  # NAT64 and 6to4: the embedded IPv4 address is checked


def registry_rows():
    rows = []
    for name in ("ipv4-special-registry.csv", "ipv6-special-registry.csv"):
        with open(REGISTRIES / name, newline="") as registry:
            rows += [pytest.param(row["Address Block"], id=f"{row['Address Block']} {row['Name']}")
                     for row in csv.DictReader(registry)]
    return rows


def samples(block):
    """Return the row's first, middle and last address (NAT64's and 6to4's middle carries a public one)."""
    network = ipaddress.ip_network(block)
    middle = [] if block in CARRY_IPV4 else [network[network.num_addresses // 2]]
    return sorted({network[0], *middle, network[-1]})


def embedding(block, ipv4):
    """Return the address of the NAT64 or 6to4 block that carries ipv4."""
    v4 = int(ipaddress.IPv4Address(ipv4))
    network = ipaddress.ip_network(block)
    if network.prefixlen == 96:
        return network[v4]
    return ipaddress.IPv6Address(int(network.network_address) | (v4 << 80))


@pytest.mark.parametrize("block", registry_rows())
@pytest.mark.parametrize("loopback_allowed", [False, True], ids=["loopback-off", "loopback-on"])
def test_every_row_of_the_registries_is_refused(block, loopback_allowed):
    for ip in samples(block):
        problem = guard._address_problem(ip, allow_loopback=loopback_allowed)
        if loopback_allowed and ip.is_loopback:
            assert problem is None, ip  # the local development setting lets loopback, and only it, through
        else:
            assert problem, f"{ip} ({block}) is let through"


@pytest.mark.parametrize("block", sorted(CARRY_IPV4))
def test_nat64_and_6to4_are_judged_by_the_ipv4_address_they_carry(block):
    assert guard._address_problem(embedding(block, "8.8.8.8")) is None
    for ipv4 in ("192.0.0.8", "10.0.0.1", "127.0.0.1", "169.254.169.254", "100.64.0.1"):
        assert guard._address_problem(embedding(block, ipv4)) == \
            "an IPv6 address that embeds a non-public IPv4 address", ipv4


@pytest.mark.parametrize("ip", ["1.1.1.1", "8.8.8.8", "192.0.1.1", "192.88.98.255", "192.88.100.1", "198.20.0.1",
                                "223.255.255.254", "2606:4700:4700::1111", "2a00:1450:4001::1", "2001:200::1"])
def test_public_neighbours_of_the_rows_pass(ip):
    assert guard._address_problem(ipaddress.ip_address(ip)) is None


@pytest.mark.parametrize("ip", ["::2", "400::1", "4000::1", "e000::1", "fe00::1"])
def test_ipv6_outside_global_unicast_is_refused(ip):
    assert guard._address_problem(ipaddress.ip_address(ip)) == "a private or reserved address"


@pytest.mark.parametrize("host", ["192.0.0.8", "192.0.0.9", "192.0.0.170", "[2001:1::1]", "[2001:20::1]"])
def test_the_client_refuses_them_before_any_socket_connects(host, peer, connect_spy):
    with pytest.raises(outbound.BlockedDestination, match="private or reserved"):
        outbound.send("GET", f"http://{host}:{peer.port}/")
    assert_untouched(peer, connect_spy)
