"""A small RFC 3161 timestamp client and the check of a stored timestamp response.

Only used when the person exporting names a timestamp server. The request carries nothing but
the SHA-256 of the bundle's signature file and a random nonce; the server still learns the time
of the request and the computer's IP address (said in the CLI help and docs/exports.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from asn1crypto import algos, tsp
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exporters.bundle.cms import CmsInvalid, verify_signed_data
from vault.errors import NetworkError

MAX_RESPONSE_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Timestamp:
    response_der: bytes  # the whole TimeStampResp, as ``openssl ts -verify -in`` reads it
    chain_pem: bytes  # every certificate the server sent in the token
    gen_time: dt.datetime
    tsa_name: str


def _request(digest: bytes, nonce: int) -> bytes:
    req = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return bytes(req.dump())


def request_timestamp(url: str, data: bytes) -> Timestamp:
    """Ask ``url`` for a timestamp over SHA-256(``data``); check the answer before keeping it."""
    import httpx

    if not url.lower().startswith(("http://", "https://")):
        raise NetworkError(
            "The timestamp server address must start with http:// or https://.",
            next_step="Check the address you were given for the timestamp server.",
            key="tsa_scheme",
        )
    digest = hashlib.sha256(data).digest()
    nonce = secrets.randbits(63)
    try:
        with (
            httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client,
            client.stream(
                "POST",
                url,
                content=_request(digest, nonce),
                headers={
                    "Content-Type": "application/timestamp-query",
                    "User-Agent": "Ansim evidence vault (RFC 3161 client)",
                },
            ) as resp,
        ):
            if resp.status_code != 200:
                raise NetworkError(
                    f"The timestamp server answered with HTTP status {resp.status_code}.",
                    next_step="Check the address, or try again later or with another server.",
                    key="tsa_status",
                    status=resp.status_code,
                )
            body = bytearray()
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise NetworkError(
                        "The timestamp server sent an answer that is far too large.",
                        key="tsa_too_large",
                    )
    except httpx.HTTPError:
        raise NetworkError(
            "The timestamp server could not be reached.",
            next_step="Check the address and the internet connection, or try another server.",
            key="tsa_unreachable",
        ) from None
    try:
        return check_response(bytes(body), data, nonce)
    except CmsInvalid as exc:
        raise NetworkError(
            "The timestamp server's answer did not check out, so it was not used "
            f"({exc.reason.replace('_', ' ')}).",
            next_step="Try again later or with another timestamp server.",
            key="tsa_invalid",
            detail_key=f"cms.{exc.reason}",
        ) from None


def check_response(der: bytes, data: bytes, nonce: int | None = None) -> Timestamp:
    """Check a stored TimeStampResp against the file it timestamps. Raise ``CmsInvalid``."""
    try:
        resp = tsp.TimeStampResp.load(der)
        status = resp["status"]["status"].native
    except Exception:  # damaged DER
        raise CmsInvalid("unreadable") from None
    if status not in ("granted", "granted_with_mods"):
        raise CmsInvalid("refused")
    token = resp["time_stamp_token"]
    if token.native is None:
        raise CmsInvalid("unreadable")
    signer = verify_signed_data(token.dump(), None)
    try:
        info = tsp.TSTInfo.load(signer.content or b"")
        imprint = info["message_imprint"]
        algo = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
        gen_time = info["gen_time"].native
        got_nonce = info["nonce"].native
    except Exception:
        raise CmsInvalid("unreadable") from None
    if algo not in ("sha256", "sha384", "sha512") or hashlib.new(algo, data).digest() != hashed:
        raise CmsInvalid("content_changed")
    if nonce is not None and got_nonce != nonce:
        raise CmsInvalid("nonce")
    cert = x509.load_der_x509_certificate(signer.certificate_der)
    chain = b"".join(
        x509.load_der_x509_certificate(d).public_bytes(serialization.Encoding.PEM)
        for d in signer.certificates_der
    )
    return Timestamp(der, chain, gen_time, cert.subject.rfc4514_string())
