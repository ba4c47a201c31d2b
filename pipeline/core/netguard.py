"""The address guard: no hand-submitted URL, feed link or redirect may reach a private, loopback or link-local
address (an office's router, a cloud metadata service). The crawlers check every request with it, and the
dashboard checks a submitted URL before anything starts.

A name that does not resolve is not a verdict: :class:`HostUnresolved` says the network failed (an outage, a
typo), and the caller retries or reports it; only an address that resolves into a refused range is refused.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

ALLOW_PRIVATE_ENV = "DIEMTIN_ALLOW_PRIVATE_NETWORKS"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressRefused(ValueError):
    """A URL whose scheme is not http(s), or whose host is or resolves to a refused address."""


class HostUnresolved(OSError):
    """The host name could not be resolved (a temporary network fault as far as anyone can tell)."""


def private_allowed() -> bool:
    """Fixture servers in tests live on 127.0.0.1: the environment variable lifts the guard for them."""
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes")


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def address_refused(address: str, allowed: tuple[Network, ...] = ()) -> str | None:
    """Why an IP address may not be reached, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if private_allowed() or any(ip in net for net in allowed):
        return None
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return "private"
    return None


def resolve_host(host: str) -> list[str]:
    """Every address a host name resolves to (an IP literal resolves to itself)."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostUnresolved(f"cannot resolve {host}: {exc}") from exc
    return sorted({info[4][0] for info in infos})


def check_url(url: str, allowed: tuple[Network, ...] = (),
              resolver: Callable[[str], list[str]] = resolve_host) -> None:
    """Raise AddressRefused if the URL may not be fetched; HostUnresolved if its host does not resolve now."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise AddressRefused(f"scheme not allowed: {parts.scheme!r} in {url}")
    host = (parts.hostname or "").strip("[]")
    if not host:
        raise AddressRefused(f"no host in {url}")
    for address in resolver(host):
        why = address_refused(address, allowed)
        if why:
            raise AddressRefused(f"{host} resolves to {why} address {address}: {url}")
