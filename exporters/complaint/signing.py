"""Sign a finished PDF with the vault's export key as a PAdES signature (pyHanko), in memory.

The signature covers the whole file, so changing any byte makes ``pdfsig`` and pyHanko's
validator report it as invalid. The certificate is the vault's self-signed export certificate,
whose SHA-256 fingerprint is printed on the cover page.
"""

from __future__ import annotations

import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from vault.errors import ExportError
from vault.signing import ExportKey

FIELD_NAME = "AnsimExportSignature"


def _signer(key: ExportKey) -> signers.SimpleSigner:
    cert = asn1_x509.Certificate.load(key.cert_der)
    der = key.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([cert]),  # type: ignore[no-untyped-call]
    )


def sign_pdf(pdf: bytes, key: ExportKey, *, reason: str) -> bytes:
    """``pdf`` with an invisible PAdES signature appended (an incremental update)."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = signers.sign_pdf(writer, meta, signer=_signer(key))
    except (PdfError, ValueError) as exc:
        raise ExportError("The document could not be signed.", key="pdf_sign") from exc
    return bytes(out.getvalue())
