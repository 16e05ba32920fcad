"""Which URLs the fetch layer may open (issue 10): schemes, hosts and address ranges.

Pure: name resolution is passed in as a function, so the checks are testable offline.
A URL is refused unless its scheme is http(s) and its host is allowed; a host that is (or
resolves to) a private, loopback, link-local or otherwise non-public address is refused
unless it is listed in ``private_hosts``. ``flows.fetching`` applies the same check to every
redirect hop, so a redirect to ``file://`` or to an internal address fails loudly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from extract.sources.errors import DisallowedURLError

Resolver = Callable[[str], Iterable[str]]
ALLOWED_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """Allowed hosts (exact, or ``*.example.org`` for subdomains) and private exceptions."""

    allowed_hosts: tuple[str, ...] = ("export.arxiv.org", "arxiv.org")
    private_hosts: tuple[str, ...] = ()
    max_redirects: int = 5

    def with_host(self, host: str, private: bool = False) -> UrlPolicy:
        """This policy with ``host`` allowed too (and allowed to be private when asked)."""
        allowed = self.allowed_hosts + ((host,) if host not in self.allowed_hosts else ())
        extra = (host,) if private and host not in self.private_hosts else ()
        return UrlPolicy(allowed, self.private_hosts + extra, self.max_redirects)


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """Whether ``host`` equals a pattern or is a subdomain of a ``*.domain`` pattern."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def is_public_address(address: str) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified IPs."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def url_host(url: str) -> str:
    """The lower-cased host of ``url`` ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()


def check_url(url: str, policy: UrlPolicy, resolve: Resolver | None = None) -> str:
    """Return ``url`` if the policy allows it, else raise ``DisallowedURLError`` saying why.

    ``resolve(host)`` lists the addresses a host name resolves to; without it only IP
    literals are checked against the private ranges.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise DisallowedURLError(f"refused {url!r}: only http(s) URLs are fetched", url)
    host = (parts.hostname or "").lower()
    if not host:
        raise DisallowedURLError(f"refused {url!r}: no host", url)
    if not host_matches(host, policy.allowed_hosts):
        raise DisallowedURLError(
            f"refused {url!r}: host {host!r} is not in the allowed hosts "
            f"({', '.join(policy.allowed_hosts)})",
            url,
        )
    if not host_matches(host, policy.private_hosts):
        _check_public(url, host, resolve)
    return url


def _check_public(url: str, host: str, resolve: Resolver | None) -> None:
    addresses = [host] if _is_ip_literal(host) else list(resolve(host)) if resolve else []
    private = [a for a in addresses if not is_public_address(a)]
    if private:
        raise DisallowedURLError(
            f"refused {url!r}: {host!r} is a private, loopback or link-local address "
            f"({', '.join(private)}); list it in allow_private_hosts to permit it",
            url,
        )
