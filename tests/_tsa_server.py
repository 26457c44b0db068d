"""A real RFC 3161 timestamp server for tests: ``openssl ts -reply`` behind a loopback HTTP server.

The test authority (a CA and a TSA certificate with the critical timeStamping usage) is made with
``cryptography`` in a temporary folder; nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import http.server
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class TestTsa:
    url: str
    ca_pem: Path
    tsa_pem: Path
    requests: list[bytes]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _make_authority(folder: Path) -> tuple[Path, Path]:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Ansim test TSA root"))
        .issuer_name(_name("Ansim test TSA root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = (
        x509.CertificateBuilder()
        .subject_name(_name("Ansim test timestamp server"))
        .issuer_name(ca.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem, tsa_pem = folder / "ca.pem", folder / "tsa.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tsa_pem.write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    (folder / "tsa.key").write_bytes(
        tsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "serial").write_text("01\n")
    (folder / "ts.cnf").write_text(
        "[ tsa ]\ndefault_tsa = tsa_config1\n\n[ tsa_config1 ]\n"
        f"dir = {folder}\nserial = $dir/serial\ncrypto_device = builtin\n"
        "signer_cert = $dir/tsa.pem\ncerts = $dir/ca.pem\nsigner_key = $dir/tsa.key\n"
        "signer_digest = sha256\ndefault_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\n"
        "digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\n"
        "tsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n"
    )
    return ca_pem, tsa_pem


@contextmanager
def running_tsa(*, status: int = 200) -> Iterator[TestTsa]:
    """Start the server on 127.0.0.1 on a free port; stop it on exit."""
    with tempfile.TemporaryDirectory(prefix="ansim-test-tsa-") as tmp:
        folder = Path(tmp)
        ca_pem, tsa_pem = _make_authority(folder)
        requests: list[bytes] = []
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                query = self.rfile.read(length)
                with lock:
                    requests.append(query)
                    n = len(requests)
                    qpath, rpath = folder / f"q{n}.tsq", folder / f"r{n}.tsr"
                    qpath.write_bytes(query)
                    result = subprocess.run(
                        ["openssl", "ts", "-reply", "-config", str(folder / "ts.cnf"),
                         "-queryfile", str(qpath), "-out", str(rpath)],
                        capture_output=True, timeout=60, check=False,
                    )
                body = rpath.read_bytes() if result.returncode == 0 else b""
                code = status if result.returncode == 0 else 500
                self.send_response(code)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            host, port = server.server_address[:2]
            yield TestTsa(f"http://{host!s}:{port}/tsa", ca_pem, tsa_pem, requests)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
