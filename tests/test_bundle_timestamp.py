"""RFC 3161 timestamps from a real local timestamp server (``openssl ts -reply`` behind a
loopback HTTP server), checked with ``openssl ts -verify``, ``ansim verify`` and the script."""

from __future__ import annotations

import hashlib
import socket
import subprocess
from pathlib import Path

import bagit
import pytest
from asn1crypto import tsp

from exporters.bundle import ExportOptions, export_case, verify_bundle
from tests._tsa_server import running_tsa
from tests.test_bundle_fixtures import (
    Sealed,
    copy_bag,
    open_vault,
    run_script,
    shared_seal,
    tools_only_path,
)

TSR = "tagmanifest-sha256.txt.p7s.tsr"
SIG = "tagmanifest-sha256.txt.p7s"
CHAIN = "timestamp-chain.pem"


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Sealed:
    return shared_seal(tmp_path_factory)


def _options(out: Path, exhibit: str, url: str) -> ExportOptions:
    return ExportOptions(out_dir=out, items=(exhibit,), timestamp_url=url, include_complaint=False)


def _openssl_ts_verify(bag: Path, ca: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", "ts", "-verify", "-data", SIG, "-in", TSR,
         "-CAfile", str(ca), "-untrusted", CHAIN],
        cwd=bag, capture_output=True, text=True, timeout=120,
    )


def test_timestamp_is_added_and_checks_out_everywhere(sealed: Sealed, tmp_path: Path) -> None:
    with running_tsa() as server:
        with open_vault(sealed) as vault:
            result = export_case(
                vault,
                sealed.case_id,
                _options(tmp_path / "out", "E0001", server.url),
            )
        bag = result.bag_path
        assert result.timestamp_error == "" and result.timestamp_utc.endswith("Z")
        # The server was sent the SHA-256 of the signature and nothing else about the bundle.
        (query,) = server.requests
        imprint = tsp.TimeStampReq.load(query)["message_imprint"]["hashed_message"].native
        assert imprint == hashlib.sha256((bag / SIG).read_bytes()).digest()

        checked = _openssl_ts_verify(bag, server.ca_pem)
        assert checked.returncode == 0, checked.stderr
        assert "Verification: OK" in checked.stdout

        report = verify_bundle(bag)
        assert report.ok, report.problems
        assert report.timestamp_utc == result.timestamp_utc
        assert "Ansim test timestamp server" in report.timestamp_authority
        bagit.Bag(str(bag)).validate()  # the .tsr and chain are allowed, unlisted tag files

        script = run_script(bag, tools_only_path(tmp_path / "bin"))
        assert script.returncode == 0, script.stdout + script.stderr
        assert "timestamp matches the signature" in script.stdout

        # A damaged timestamp, and one taken over something else, are both named.
        damaged = copy_bag(bag, tmp_path / "damaged")
        data = bytearray((damaged / TSR).read_bytes())
        data[-10] ^= 0xFF
        (damaged / TSR).write_bytes(bytes(data))
        found = {(p.code, p.path) for p in verify_bundle(damaged).problems}
        assert ("timestamp_invalid", TSR) in found
        assert _openssl_ts_verify(damaged, server.ca_pem).returncode != 0

        with open_vault(sealed) as vault:
            other = export_case(
                vault,
                sealed.case_id,
                _options(tmp_path / "other", "E0002", server.url),
            )
        moved = copy_bag(bag, tmp_path / "moved")
        (moved / TSR).write_bytes((other.bag_path / TSR).read_bytes())
        problems = verify_bundle(moved).problems
        assert [(p.code, p.detail) for p in problems] == [("timestamp_invalid", "content_changed")]
        assert _openssl_ts_verify(moved, server.ca_pem).returncode != 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_failed_timestamp_never_costs_the_bundle(sealed: Sealed, tmp_path: Path) -> None:
    with running_tsa(status=503) as server, open_vault(sealed) as vault:
        urls = {
            "http_error": server.url,
            "unreachable": f"http://127.0.0.1:{_closed_port()}/tsa",
            "not_http": "file:///etc/passwd",
        }
        results = {
            name: export_case(vault, sealed.case_id, _options(tmp_path / name, "E0003", url))
            for name, url in urls.items()
        }
    assert "503" in results["http_error"].timestamp_error
    assert "could not be reached" in results["unreachable"].timestamp_error
    assert "http://" in results["not_http"].timestamp_error
    for result in results.values():
        assert not (result.bag_path / TSR).exists()
        assert not (result.bag_path / CHAIN).exists()
        assert verify_bundle(result.bag_path).ok
