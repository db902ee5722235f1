"""Shared measuring tools for the security tests: deterministic work counts and a throwaway TLS
certificate. (Not a test module: pytest does not collect it; the test files import it by name.)"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def hoglite_lines(function: Callable[[], Any]) -> int:
    """Python lines executed inside hoglite while `function` runs: a deterministic measure of work."""
    executed = 0

    def trace(frame, event, arg):  # noqa: ANN001, ANN202 - sys.settrace protocol
        nonlocal executed
        if "/hoglite/" not in frame.f_code.co_filename:
            return None
        if event == "line":
            executed += 1
        return trace

    sys.settrace(trace)
    try:
        function()
    finally:
        sys.settrace(None)
    return executed


def self_signed_certificate(folder: Path, name: str) -> tuple[str, str]:
    """A one-day self-signed certificate for `name` (and its key), written into `folder` as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)
