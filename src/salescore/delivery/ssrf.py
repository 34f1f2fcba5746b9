"""Keeping outbound URLs out of the operator's own network (SSRF).

A webhook URL is chosen by a tenant admin, and the server fetches it: without a guard that admin
could make the server call its cloud metadata endpoint (169.254.169.254), Redis on localhost or
anything on the LAN. URLs are checked when saved and again at every send, because DNS can change
in between (rebinding); at send time the request is pinned to the address that was checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Any

import httpx

from salescore.kit.errors import Unprocessable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
RESOLVE_TIMEOUT_S = 5.0
SETTING = "SALESCORE_WEBHOOK_ALLOW_PRIVATE_NETWORKS"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
# Checked in this order, so the message names the most telling property.
_FLAGS = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_private", "private"),
    ("is_reserved", "reserved"),
)


class UnsafeURL(Exception):
    """The URL is malformed, does not resolve, or reaches a non-public address."""


def parse(url: str) -> httpx.URL:
    """Syntax only: an absolute http(s) URL with a real host name or address and a valid port."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise UnsafeURL(f"not a valid URL ({exc})") from exc
    if parsed.scheme not in SCHEMES:
        raise UnsafeURL("must be an http:// or https:// URL")
    host = _ascii_host(parsed)
    if not host:
        raise UnsafeURL("must name a host")
    if _literal(host) is None and not _HOSTNAME.match(host):
        raise UnsafeURL(f"{host!r} is not a valid host name")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UnsafeURL("port must be between 1 and 65535")
    return parsed


def forbidden_reason(address: IPAddress) -> str | None:
    """Why the address must not be called, or None for a public (globally routable) one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    for flag, label in _FLAGS:
        if getattr(address, flag):
            return label
    # Shared address space (100.64/10), 6to4 relays and the like: not private, not public either.
    return None if address.is_global else "non-public"


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to, in the resolver's order (without blocking the loop)."""
    if (literal := _literal(host)) is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=RESOLVE_TIMEOUT_S
        )
    except (OSError, TimeoutError, UnicodeError) as exc:
        raise UnsafeURL(f"host {host!r} does not resolve ({exc or type(exc).__name__})") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeURL(f"host {host!r} does not resolve")
    return addresses


async def public_address(url: str) -> IPAddress:
    """The address to connect to; raises UnsafeURL unless *every* address of the host is public
    (a name resolving to one public and one private address could be steered to the private one)."""
    parsed = parse(url)
    host = _ascii_host(parsed)
    addresses = await resolve(host, parsed.port or DEFAULT_PORTS[parsed.scheme])
    for address in addresses:
        if (reason := forbidden_reason(address)) is not None:
            shown = host if _literal(host) is not None else f"{host} resolves to {address}, which"
            raise UnsafeURL(f"{shown} is a {reason} address; only public addresses are allowed")
    return addresses[0]


async def validate_url(url: str, *, allow_private: bool, field: str = "url") -> None:
    """422 naming `field` for a URL the server must not call. With the operator setting on, only
    the syntax is checked (no DNS lookup: the receiver may not exist yet, e.g. in tests)."""
    try:
        parse(url)
        if not allow_private:
            await public_address(url)
    except UnsafeURL as exc:
        hint = "" if allow_private else f" (an operator may allow private networks with {SETTING}=true)"
        raise Unprocessable.field(field, f"{exc}{hint}") from exc


@dataclass(frozen=True)
class Target:
    """Where a request really goes: the URL (its host replaced by the checked address) and the
    Host header / TLS server name that keep the receiver seeing its own name."""

    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, Any]


async def send_target(url: str, *, allow_private: bool) -> Target:
    """The send-time check (DNS may have changed since the URL was saved). Raises UnsafeURL."""
    parsed = parse(url)
    if allow_private:
        return Target(parsed, {}, {})
    address = await public_address(url)
    host = _ascii_host(parsed)
    if _literal(host) is not None:
        return Target(parsed, {}, {})
    netloc = host if parsed.port is None else f"{host}:{parsed.port}"
    extensions: dict[str, Any] = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return Target(parsed.copy_with(host=str(address)), {"Host": netloc}, extensions)


def _ascii_host(parsed: httpx.URL) -> str:
    return parsed.raw_host.decode("ascii", errors="replace")


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
