"""The signing identity for Content Credentials: a per-install CA + leaf made on first use, or the user's own.

C2PA validators refuse self-signed leaves, leaves without digitalSignature or without the emailProtection /
documentSigning EKUs, and certificates without key identifiers - so the install makes a tiny two-level PKI:
a CA (CA=true, keyCertSign+cRLSign) and a leaf (CA=false, digitalSignature critical, EKUs, SKI/AKI).
The CA certificate is the local trust anchor `verify` uses to report "Trusted".
Files live in data_dir()/provenance/signing/ with private keys 0600.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from sora_studio.core.appdirs import config_dir, data_dir
from sora_studio.core.fsutil import atomic_write_text
from sora_studio.errors import BadInput

DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
CA_YEARS, LEAF_YEARS = 10, 2


@dataclass(frozen=True)
class SigningIdentity:
    chain_pem: bytes  # leaf first, then the issuing CA(s)
    key_pem: bytes
    anchor_pem: bytes | None  # the CA that makes our own files "Trusted" in verify
    source: str  # "install" or "user"
    timestamp_url: str | None = None

    @property
    def leaf(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]

    @property
    def signer_name(self) -> str:
        return _common_name(self.leaf.subject)


def _common_name(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME) or name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca_chain(organization: str, common_name: str, *, not_before: dt.datetime | None = None,
                  leaf_days: int = 365 * LEAF_YEARS) -> tuple[bytes, bytes, bytes]:
    """Create a CA and a C2PA-acceptable leaf; returns (chain_pem leaf+CA, leaf_key_pem, ca_pem).

    Also used by tests to play "another tool" with a separate CA, and with `not_before` in the past to make
    an expired certificate.
    """
    start = not_before or (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                         x509.NameAttribute(NameOID.COMMON_NAME, f"{organization} Root CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start)
          .not_valid_after(start + dt.timedelta(days=365 * CA_YEARS))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                           x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    leaf = (x509.CertificateBuilder().subject_name(leaf_name).issuer_name(ca_name)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=leaf_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return _pem_cert(leaf) + _pem_cert(ca), _pem_key(leaf_key), _pem_cert(ca)


def signing_dir() -> Path:
    return data_dir() / "provenance" / "signing"


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def install_identity(create: bool = True) -> SigningIdentity | None:
    """The per-install identity, generated on first use (chain.pem, signing.key 0600, anchor.pem)."""
    folder = signing_dir()
    chain, key, anchor = folder / "chain.pem", folder / "signing.key", folder / "anchor.pem"
    if not (chain.exists() and key.exists() and anchor.exists()):
        if not create:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        chain_pem, key_pem, ca_pem = make_ca_chain("Sora Studio (this install)", "Sora Studio export signer")
        _write_private(key, key_pem)
        atomic_write_text(anchor, ca_pem.decode())
        atomic_write_text(chain, chain_pem.decode())
    return SigningIdentity(chain.read_bytes(), key.read_bytes(), anchor.read_bytes(), "install", _timestamp_url())


def settings_path() -> Path:
    return config_dir() / "provenance.json"


def _settings() -> dict:
    path = settings_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    return data if isinstance(data, dict) else {}


def _timestamp_url() -> str | None:
    url = _settings().get("timestamp_url")
    return str(url) if url else None


def use_user_certificate(chain_path: str | os.PathLike[str] | None, key_path: str | os.PathLike[str] | None,
                         anchor_path: str | os.PathLike[str] | None = None, timestamp_url: str | None = None) -> None:
    """Record (in config_dir()/provenance.json) a user certificate chain + key to sign with instead of the
    install's own; None for chain/key returns to the install identity. The files are checked now."""
    settings = _settings()
    if chain_path is None or key_path is None:
        settings.pop("certificate", None)
        settings.pop("private_key", None)
        settings.pop("trust_anchor", None)
    else:
        chain, key = Path(chain_path).resolve(), Path(key_path).resolve()
        identity = SigningIdentity(chain.read_bytes(), key.read_bytes(),
                                   Path(anchor_path).read_bytes() if anchor_path else None, "user")
        problems = certificate_problems(identity)
        if problems:
            raise BadInput("that certificate cannot sign Content Credentials: " + "; ".join(problems))
        settings.update({"certificate": str(chain), "private_key": str(key),
                         "trust_anchor": str(Path(anchor_path).resolve()) if anchor_path else None})
    if timestamp_url is not None:
        settings["timestamp_url"] = timestamp_url or None
    atomic_write_text(settings_path(), json.dumps(settings, indent=2))


def current_identity() -> SigningIdentity:
    """The identity exports are signed with: the user's certificate when configured, else the install's."""
    settings = _settings()
    if settings.get("certificate") and settings.get("private_key"):
        try:
            anchor = settings.get("trust_anchor")
            return SigningIdentity(Path(settings["certificate"]).read_bytes(),
                                   Path(settings["private_key"]).read_bytes(),
                                   Path(anchor).read_bytes() if anchor else None, "user", _timestamp_url())
        except OSError as exc:
            return SigningIdentity(b"", b"", None, f"user (unreadable: {exc})", _timestamp_url())
    identity = install_identity()
    assert identity is not None
    return identity


def trust_anchors() -> list[bytes]:
    """CA certificates verify treats as trusted: this install's CA and a configured user anchor."""
    anchors = []
    own = install_identity(create=False)
    if own and own.anchor_pem:
        anchors.append(own.anchor_pem)
    user_anchor = _settings().get("trust_anchor")
    if user_anchor and Path(user_anchor).exists():
        anchors.append(Path(user_anchor).read_bytes())
    return anchors


def certificate_problems(identity: SigningIdentity, now: dt.datetime | None = None) -> list[str]:
    """Why this identity cannot sign right now (empty list: it can). Checked before every signature."""
    if not identity.chain_pem or not identity.key_pem:
        return [f"no signing certificate or key ({identity.source})"]
    try:
        certs = x509.load_pem_x509_certificates(identity.chain_pem)
        key = serialization.load_pem_private_key(identity.key_pem, password=None)
    except (ValueError, TypeError) as exc:
        return [f"the certificate or key file cannot be read ({exc})"]
    leaf = certs[0]
    now = now or dt.datetime.now(dt.timezone.utc)
    problems = []
    if now > leaf.not_valid_after_utc:
        problems.append(f"the signing certificate expired on {leaf.not_valid_after_utc:%Y-%m-%d}")
    if now < leaf.not_valid_before_utc:
        problems.append(f"the signing certificate is not valid before {leaf.not_valid_before_utc:%Y-%m-%d}")
    if key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
            leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        problems.append("the private key does not match the certificate")
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        problems.append("only EC P-256 keys (ES256) are supported")
    if len(certs) < 2 or leaf.issuer == leaf.subject:
        problems.append("the chain must be the leaf certificate followed by its issuing CA "
                        "(self-signed leaves are refused)")
    try:
        if not leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature:
            problems.append("the certificate's key usage does not include digitalSignature")
    except x509.ExtensionNotFound:
        problems.append("the certificate has no key usage extension (digitalSignature is required)")
    try:
        leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        problems.append("the certificate has no authority key identifier (AKI), which C2PA validators require")
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if ExtendedKeyUsageOID.EMAIL_PROTECTION not in eku and DOCUMENT_SIGNING not in eku:
            problems.append("the certificate lacks the emailProtection/documentSigning extended key usage")
    except x509.ExtensionNotFound:
        problems.append("the certificate has no extended key usage")
    return problems


def install_user_certificate(chain_path: str | os.PathLike[str], key_path: str | os.PathLike[str],
                             anchor_path: str | os.PathLike[str] | None = None) -> SigningIdentity:
    """Check a user chain + key and copy them into signing_dir()/user (key 0600), then sign with them.

    Copies, so that moving or deleting the originals later cannot silently leave exports unsigned.
    Raises BadInput saying what is wrong (unreadable, mismatched key, missing usage, expired...).
    """
    sources = {"certificate chain": chain_path, "private key": key_path}
    if anchor_path is not None:
        sources["trust anchor"] = anchor_path
    data = {}
    for what, src in sources.items():
        path = Path(src)
        if not path.is_file():
            raise BadInput(f"the {what} file {path} does not exist or is not a file")
        data[what] = path.read_bytes()
    identity = SigningIdentity(data["certificate chain"], data["private key"], data.get("trust anchor"), "user")
    problems = certificate_problems(identity)
    if problems:
        raise BadInput("that certificate cannot sign Content Credentials: " + "; ".join(problems))
    folder = signing_dir() / "user"
    folder.mkdir(parents=True, exist_ok=True)
    _write_private(folder / "signing.key", identity.key_pem)
    atomic_write_text(folder / "chain.pem", identity.chain_pem.decode("ascii"))
    anchor = None
    if identity.anchor_pem is not None:
        anchor = folder / "anchor.pem"
        atomic_write_text(anchor, identity.anchor_pem.decode("ascii"))
    else:
        (folder / "anchor.pem").unlink(missing_ok=True)
    use_user_certificate(folder / "chain.pem", folder / "signing.key", anchor)
    return current_identity()


def describe_identity(identity: SigningIdentity) -> dict:
    """What `cert show` prints: who signs, issued by whom, until when, and whether it can sign now."""
    info: dict = {"source": identity.source,
                  "kind": "per-install CA" if identity.source == "install" else "user certificate",
                  "timestamp_url": identity.timestamp_url, "problems": certificate_problems(identity)}
    try:
        leaf = identity.leaf
    except (ValueError, IndexError):
        return info | {"signer": None}
    return info | {"signer": identity.signer_name, "issuer": _common_name(leaf.issuer),
                   "not_before": leaf.not_valid_before_utc.isoformat(),
                   "expires": leaf.not_valid_after_utc.isoformat(),
                   "serial": f"{leaf.serial_number:x}", "trusted_anchor": identity.anchor_pem is not None}
