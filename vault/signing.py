"""The vault's export key: ECDSA P-256 with a self-signed X.509 certificate.

Created with the vault and kept only inside the encrypted metadata. It seals bundles (CMS
signatures) and signs complaint PDFs. The certificate names no person: its subject is
"Ansim evidence vault <first 8 hex of the vault id>".
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from vault.store import Vault

_KEY = "export_key_pem"
_CERT = "export_cert_pem"


@dataclass(frozen=True)
class ExportKey:
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER certificate, as ``AB:CD:...`` like ``openssl x509 -fingerprint``."""
        digest = hashlib.sha256(self.cert_der).hexdigest().upper()
        return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))

    def key_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def make_export_key(vault_id_hex: str, now: dt.datetime | None = None) -> ExportKey:
    now = now or dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"Ansim evidence vault {vault_id_hex[:8]}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ansim (self-signed)"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return ExportKey(key, cert)


def create_export_key(vault: Vault) -> ExportKey:
    ek = make_export_key(vault.vault_id, vault.now().utc)
    vault.set_setting(_KEY, ek.key_pem().decode("ascii"))
    vault.set_setting(_CERT, ek.cert_pem.decode("ascii"))
    return ek


def load_export_key(vault: Vault) -> ExportKey:
    key_pem = vault.get_setting(_KEY)
    cert_pem = vault.get_setting(_CERT)
    if not key_pem or not cert_pem:
        ek = create_export_key(vault)
        vault.log("export_key_created")
        vault.commit()
        return ek
    key = serialization.load_pem_private_key(key_pem.encode("ascii"), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):  # pragma: no cover - we only store EC
        raise TypeError("export key is not an EC key")
    return ExportKey(key, x509.load_pem_x509_certificate(cert_pem.encode("ascii")))
