"""Served like production: `finegrid serve` is gunicorn with WhiteNoise over real HTTP, and
`check --deploy` is clean with the HTTPS settings the README documents."""

import gzip
import http.client
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings

# `python -m finegrid.cli` would define a second CommandError class in __main__; run the
# package's main as the console script does.
RUN_CLI = "import sys; from finegrid.cli import main; sys.exit(main(sys.argv[1:]))"
HTTPS_SETTINGS = {
    "FINEGRID_SECURE_COOKIES": "1",
    "FINEGRID_SSL_REDIRECT": "1",
    "FINEGRID_HSTS_SECONDS": "31536000",
    "FINEGRID_HSTS_INCLUDE_SUBDOMAINS": "1",
    "FINEGRID_HSTS_PRELOAD": "1",
    "FINEGRID_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def deployment(**settings_) -> dict:
    """This process's environment as a deployment would have it: none of the HTTPS settings
    unless given, and not the async-safety switch the browser tests set for themselves."""
    left_out = {*HTTPS_SETTINGS, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**{k: v for k, v in os.environ.items() if k not in left_out}, **settings_}


def finegrid(*arguments, environment):
    return subprocess.run(
        [sys.executable, "-c", RUN_CLI, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_https_settings():
    completed = finegrid("manage", "check", "--deploy", environment=deployment(**HTTPS_SETTINGS))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "System check identified no issues (0 silenced).\n"


def test_check_deploy_names_what_is_missing_without_them():
    completed = finegrid("manage", "check", "--deploy", environment=deployment())
    assert completed.returncode == 0, completed.stderr  # warnings, not errors
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in completed.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port: int, path: str, **headers) -> http.client.HTTPResponse:
    """One GET over real HTTP; redirects are answers, not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def start_server(**environment) -> tuple[int, subprocess.Popen]:
    """`finegrid serve` in a subprocess on a free port, once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=deployment(**environment),
    )
    deadline = time.monotonic() + 120  # a busy machine boots slowly
    while True:
        try:
            fetch(port, "/login/")
            return port, process
        except ConnectionError:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "finegrid serve did not answer within 120 s"
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> str:
    """Stop the server the way a service manager does; its log, once every process exited."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    return stderr


@pytest.fixture
def servers():
    started = []

    def _start(**environment):
        port, process = start_server(**environment)
        started.append(process)
        return port, process

    yield _start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_serve_answers_pages_and_static_files_over_http(servers):
    assert settings.STATIC_ROOT.is_dir(), "static files are not collected: run `make setup`"
    port, process = servers()
    page = fetch(port, "/login/", **{"Accept-Language": "zh-hans"})
    assert page.status == 200
    assert page.headers["Server"] == "gunicorn"
    assert "登录" in page.body.decode()

    # WhiteNoise serves the collected file, compressed, with its caching headers.
    static = fetch(port, "/static/vendor/leaflet/leaflet.css", **{"Accept-Encoding": "gzip"})
    assert static.status == 200
    assert static.headers["Server"] == "gunicorn"
    assert static.headers["Content-Encoding"] == "gzip"
    assert static.headers["Vary"] == "Accept-Encoding"
    assert static.headers["Cache-Control"] == "max-age=60, public"
    assert static.headers["Access-Control-Allow-Origin"] == "*"
    original = settings.NODE_MODULES / "leaflet" / "dist" / "leaflet.css"
    assert gzip.decompress(static.body) == original.read_bytes()

    log = stop(process)
    assert "Booting worker" in log
    assert log.rstrip().endswith("Shutting down: Master")


def test_behind_an_https_proxy_plain_http_is_redirected(servers):
    port, process = servers(**HTTPS_SETTINGS)
    plain = fetch(port, "/login/")
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://127.0.0.1:{port}/login/"
    proxied = fetch(port, "/login/", **{"X-Forwarded-Proto": "https"})
    assert proxied.status == 200
    assert proxied.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "Secure" in proxied.headers["Set-Cookie"]
    stop(process)
