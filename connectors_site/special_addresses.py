"""The address guard's table: IANA's special-purpose address registries, row by row.

Rows as IANA publishes them (iana-ipv4-special-registry, iana-ipv6-special-registry, 2025),
with IANA's "Globally Reachable" column, plus the ranges the registries leave to others
(multicast, site-local, the deprecated IPv4-compatible and SIIT forms). The guard does not
trust ``ipaddress.is_global``: on Python 3.11 its tables let 192.0.0.0/24 (e.g. the dummy
address 192.0.0.8) and other rows through.

Every row is refused, also the few IANA marks globally reachable: each of those names a
protocol service (PCP and TURN anycast, AS112 DNS sinks, AMT relays, ORCHID and DET
identifiers), not a host an HTTP API lives on. The exceptions are the two rows that carry an
IPv4 address, NAT64 (64:ff9b::/96, which DNS64 networks use to reach every IPv4-only API) and
6to4 (2002::/16): the guard checks the IPv4 address they carry instead. IPv6 outside 2000::/3
(the only block IANA allocates for global unicast) is refused too.
"""

import dataclasses
import ipaddress

UNSPECIFIED = "an unspecified address"
LOOPBACK = "a loopback address"
LINK_LOCAL = "a link-local address"
MULTICAST = "a multicast address"
BROADCAST = "a broadcast address"
PRIVATE = "a private or reserved address"
CARRIES_IPV4 = "carries an IPv4 address"  # checked by the guard through the address it carries


@dataclasses.dataclass(frozen=True)
class Row:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    name: str
    globally_reachable: bool | None  # IANA's column (None: N/A); informative, the guard refuses the row anyway
    problem: str


def _rows(*rows):
    return tuple(Row(ipaddress.ip_network(net), name, reach, problem) for net, name, reach, problem in rows)


# Most specific rows first: the first row holding an address names its problem.
IPV4 = _rows(
    ("0.0.0.0/32", "This host on this network", False, UNSPECIFIED),
    ("0.0.0.0/8", "This network", False, UNSPECIFIED),
    ("10.0.0.0/8", "Private-Use", False, PRIVATE),
    ("100.64.0.0/10", "Shared Address Space", False, PRIVATE),
    ("127.0.0.0/8", "Loopback", False, LOOPBACK),
    ("169.254.0.0/16", "Link Local", False, LINK_LOCAL),
    ("172.16.0.0/12", "Private-Use", False, PRIVATE),
    ("192.0.0.0/29", "IPv4 Service Continuity Prefix", False, PRIVATE),
    ("192.0.0.8/32", "IPv4 dummy address", False, PRIVATE),
    ("192.0.0.9/32", "Port Control Protocol Anycast", True, PRIVATE),
    ("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", True, PRIVATE),
    ("192.0.0.170/32", "NAT64/DNS64 Discovery", False, PRIVATE),
    ("192.0.0.171/32", "NAT64/DNS64 Discovery", False, PRIVATE),
    ("192.0.0.0/24", "IETF Protocol Assignments", False, PRIVATE),
    ("192.0.2.0/24", "Documentation (TEST-NET-1)", False, PRIVATE),
    ("192.31.196.0/24", "AS112-v4", True, PRIVATE),
    ("192.52.193.0/24", "AMT", True, PRIVATE),
    ("192.88.99.2/32", "6a44-relay anycast address", True, PRIVATE),
    ("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", None, PRIVATE),
    ("192.168.0.0/16", "Private-Use", False, PRIVATE),
    ("192.175.48.0/24", "Direct Delegation AS112 Service", True, PRIVATE),
    ("198.18.0.0/15", "Benchmarking", False, PRIVATE),
    ("198.51.100.0/24", "Documentation (TEST-NET-2)", False, PRIVATE),
    ("203.0.113.0/24", "Documentation (TEST-NET-3)", False, PRIVATE),
    ("255.255.255.255/32", "Limited Broadcast", False, BROADCAST),
    ("240.0.0.0/4", "Reserved", False, PRIVATE),
    # Not in the special-purpose registry: IANA's multicast address space registry.
    ("224.0.0.0/4", "Multicast", False, MULTICAST),
)

IPV6 = _rows(
    ("::1/128", "Loopback Address", False, LOOPBACK),
    ("::/128", "Unspecified Address", False, UNSPECIFIED),
    ("::ffff:0:0/96", "IPv4-mapped Address", False, "an IPv4-mapped IPv6 address"),
    ("64:ff9b::/96", "IPv4-IPv6 Translat.", True, CARRIES_IPV4),
    ("64:ff9b:1::/48", "IPv4-IPv6 Translat.", False, PRIVATE),
    ("100::/64", "Discard-Only Address Block", False, PRIVATE),
    ("100:0:0:1::/64", "Dummy IPv6 Prefix", False, PRIVATE),
    ("2001::/32", "TEREDO", None, PRIVATE),
    ("2001:1::1/128", "Port Control Protocol Anycast", True, PRIVATE),
    ("2001:1::2/128", "Traversal Using Relays around NAT Anycast", True, PRIVATE),
    ("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", True, PRIVATE),
    ("2001:2::/48", "Benchmarking", False, PRIVATE),
    ("2001:3::/32", "AMT", True, PRIVATE),
    ("2001:4:112::/48", "AS112-v6", True, PRIVATE),
    ("2001:10::/28", "Deprecated (previously ORCHID)", None, PRIVATE),
    ("2001:20::/28", "ORCHIDv2", True, PRIVATE),
    ("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", True, PRIVATE),
    ("2001::/23", "IETF Protocol Assignments", False, PRIVATE),
    ("2001:db8::/32", "Documentation", False, PRIVATE),
    ("2002::/16", "6to4", None, CARRIES_IPV4),
    ("2620:4f:8000::/48", "Direct Delegation AS112 Service", True, PRIVATE),
    ("3fff::/20", "Documentation", False, PRIVATE),
    ("5f00::/16", "Segment Routing (SRv6) SIDs", False, PRIVATE),
    ("fc00::/7", "Unique-Local", False, PRIVATE),
    ("fe80::/10", "Link-Local Unicast", False, LINK_LOCAL),
    # Not in the special-purpose registry: deprecated forms and other registries' blocks.
    ("::/96", "IPv4-compatible (deprecated, RFC 4291)", False, PRIVATE),
    ("::ffff:0:0:0/96", "SIIT IPv4-translated (RFC 2765)", False, PRIVATE),
    ("fec0::/10", "Site-Local (deprecated, RFC 3879)", False, PRIVATE),
    ("ff00::/8", "Multicast", False, MULTICAST),
)

GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")


def problem_of(ip):
    """Return the problem of the first row holding ip, PRIVATE for IPv6 outside 2000::/3, or None."""
    for row in IPV4 if ip.version == 4 else IPV6:
        if ip in row.network:
            return row.problem
    if ip.version == 6 and ip not in GLOBAL_UNICAST_V6:
        return PRIVATE
    return None
