"""Detached CMS (PKCS #7) signatures: made with ``cryptography``, checked with ``asn1crypto``.

``sign_detached`` produces exactly what ``openssl cms -verify -binary -inform DER -content FILE``
checks. ``verify_signed_data`` checks a CMS SignedData without OpenSSL: the content digest in the
signed attributes, the signature over those attributes with the signer's certificate, and which
certificate signed. It is used for bundle signatures and for RFC 3161 timestamp tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from asn1crypto import cms as acms
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from vault.signing import ExportKey

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def sign_detached(key: ExportKey, content: bytes) -> bytes:
    """A DER detached CMS signature over ``content`` (binary, SHA-256, signer cert included)."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(key.certificate, key.private_key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )


class CmsInvalid(Exception):
    """The signature could not be read or does not match; ``reason`` is a stable code."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class SignerInfo:
    certificate_der: bytes
    certificates_der: tuple[bytes, ...]  # every certificate carried in the SignedData
    content: bytes | None  # the encapsulated content, when not detached
    signing_time: dt.datetime | None = None  # the signer's claimed time (signed attribute)


def _load_signed_data(der: bytes) -> acms.SignedData:
    try:
        info = acms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise CmsInvalid("not_signed_data")
        signed = info["content"]
        signed.native  # noqa: B018 - forces a full parse so damage shows up here
    except CmsInvalid:
        raise
    except Exception:  # asn1crypto raises many types for damaged DER
        raise CmsInvalid("unreadable") from None
    return signed


def _find_signer_cert(signed: acms.SignedData, sid: acms.SignerIdentifier) -> ax509.Certificate:
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            want = sid.chosen
            if cert.issuer == want["issuer"] and cert.serial_number == want["serial_number"].native:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    raise CmsInvalid("no_signer_certificate")


def _verify_raw(cert_der: bytes, signature: bytes, data: bytes, digest: str, sig_algo: str) -> None:
    public_key = x509.load_der_x509_certificate(cert_der).public_key()
    hash_cls = _HASHES[digest]
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_cls()))
        elif isinstance(public_key, rsa.RSAPublicKey) and "pss" not in sig_algo:
            public_key.verify(signature, data, padding.PKCS1v15(), hash_cls())
        else:
            raise CmsInvalid("unsupported_algorithm")
    except InvalidSignature:
        raise CmsInvalid("bad_signature") from None


def verify_signed_data(der: bytes, detached_content: bytes | None) -> SignerInfo:
    """Check a CMS SignedData with one signer. Raise ``CmsInvalid`` with a reason code."""
    signed = _load_signed_data(der)
    infos = signed["signer_infos"]
    if len(infos) != 1:
        raise CmsInvalid("signer_count")
    si = infos[0]
    digest = si["digest_algorithm"]["algorithm"].native
    if digest not in _HASHES:
        raise CmsInvalid("unsupported_algorithm")
    encap = signed["encap_content_info"]
    if detached_content is not None:
        if encap["content"].native is not None:
            raise CmsInvalid("not_detached")
        content = detached_content
    else:
        if encap["content"].native is None:
            raise CmsInvalid("no_content")
        content = encap["content"].contents
    cert = _find_signer_cert(signed, si["sid"])
    content_digest = hashlib.new(digest, content).digest()
    attrs = si["signed_attrs"]
    sig_algo = str(si["signature_algorithm"]["algorithm"].native)
    signing_time: dt.datetime | None = None
    if attrs.native is None or len(attrs) == 0:
        # Without signed attributes the signature is over the content itself.
        _verify_raw(cert.dump(), si["signature"].native, content, digest, sig_algo)
    else:
        values = {a["type"].native: a["values"] for a in attrs}
        md = values.get("message_digest")
        if md is None or md[0].native != content_digest:
            raise CmsInvalid("content_changed")
        ct = values.get("content_type")
        if ct is None or ct[0].native != encap["content_type"].native:
            raise CmsInvalid("content_type")
        raw = attrs.dump()
        _verify_raw(cert.dump(), si["signature"].native, b"\x31" + raw[1:], digest, sig_algo)
        when = values.get("signing_time")
        if when is not None and isinstance(when[0].native, dt.datetime):
            signing_time = when[0].native
    all_certs = tuple(
        c.chosen.dump() for c in (signed["certificates"] or []) if c.name == "certificate"
    )
    return SignerInfo(cert.dump(), all_certs, None if detached_content is not None else content,
                      signing_time)
