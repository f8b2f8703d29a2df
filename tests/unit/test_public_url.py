"""Links point where the page is served: the public URL follows --port, and mistakes are warned of."""

from atelier.processes import public_base_url


def test_unset_public_url_follows_host_and_port() -> None:
    """With no ATELIER_PUBLIC_BASE_URL the links use the port the page listens on."""
    assert public_base_url(None, host="127.0.0.1", port=8123) == ("http://127.0.0.1:8123", None)


def test_loopback_links_while_listening_for_other_machines_are_warned_of() -> None:
    """A loopback public URL with the page on 0.0.0.0 cannot be opened by recipients: warn."""
    url, warning = public_base_url("http://127.0.0.1:8000", host="0.0.0.0", port=8000)
    assert url == "http://127.0.0.1:8000" and warning and "adresse locale" in warning


def test_loopback_links_to_another_port_are_warned_of() -> None:
    """Links to port 8000 while the page listens on 9000: warn."""
    _url, warning = public_base_url("http://localhost:8000", host="127.0.0.1", port=9000)
    assert warning and "port 8000" in warning and "port 9000" in warning


def test_public_address_behind_a_proxy_is_kept_silently() -> None:
    """A real public address (a reverse proxy in front) is used as set, without warning."""
    assert public_base_url("https://atelier.example.gouv.fr", host="0.0.0.0", port=8000) == (
        "https://atelier.example.gouv.fr",
        None,
    )
