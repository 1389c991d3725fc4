"""`sora-studio cert install|show|reset`: a real user chain made with `cryptography` signs real exports;
chains that C2PA validators would refuse are refused up front with exit 2 and the reason."""

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sora_studio.cli import main
from sora_studio.core.media.synth import write_index_video
from sora_studio.core.project.bundle import Project
from sora_studio.core.project.media_items import clips_for_media

DOC_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Newsroom"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_chain(folder, *, eku=True, digital_signature=True, aki=True, days=(-1, 365), wrong_key=False):
    """Write chain.pem (leaf + CA), key.pem and ca.pem for a user PKI with the requested defects."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(_name("Newsroom CA")).issuer_name(_name("Newsroom CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=400)).not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(ca_ski, critical=False).sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(_name("Jo Reporter")).issuer_name(ca.subject)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=days[0])).not_valid_after(now + dt.timedelta(days=days[1]))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature, not digital_signature, False, False, False, False,
                                         False, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False))
    if eku:
        leaf = leaf.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOC_SIGNING]),
                                  critical=False)
    else:
        leaf = leaf.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if aki:
        leaf = leaf.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                                  critical=False)
    leaf = leaf.sign(ca_key, hashes.SHA256())
    pem = serialization.Encoding.PEM
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "chain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    signing_key = ec.generate_private_key(ec.SECP256R1()) if wrong_key else leaf_key
    (folder / "key.pem").write_bytes(signing_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption()))
    return folder / "chain.pem", folder / "key.pem", folder / "ca.pem"


def run_json(argv, capsys):
    code = main(argv + ["--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip() else None), captured.err


def export_one_second(tmp_path):
    project = Project.create(tmp_path / "film.sorastudio", rate=24, width=1280, height=720, session=False)
    item = project.import_media(write_index_video(tmp_path / "src.mp4", 24, size=(128, 72), fps=24), copy=True)
    for kind, clip in clips_for_media(item, project.timeline.rate, start=0):
        track = project.timeline.video_tracks()[0] if kind == "video" else project.timeline.audio_tracks()[0]
        track.clips.append(clip)
    project.save()
    out = tmp_path / "film.mp4"
    assert main(["render", str(project.path), "-o", str(out), "--preset", "720p24-draft"]) == 0
    return out


def test_user_chain_signs_exports_then_reset_returns_to_the_install_ca(tmp_path, capsys):
    chain, key, ca = make_chain(tmp_path / "pki")
    code, info, err = run_json(["cert", "install", "--chain", str(chain), "--key", str(key), "--anchor", str(ca)],
                               capsys)
    assert code == 0, err
    assert info["signer"] == "Jo Reporter" and info["kind"] == "user certificate" and info["problems"] == []
    for original in (chain, key, ca):
        original.unlink()  # the installed copies are used, not the originals
    code, shown, _ = run_json(["cert", "show"], capsys)
    assert code == 0 and shown["signer"] == "Jo Reporter" and shown["issuer"] == "Newsroom CA"

    out = export_one_second(tmp_path)
    capsys.readouterr()
    code, report, _ = run_json(["verify", str(out)], capsys)
    assert report["c2pa"]["signer"] == "Jo Reporter"
    assert report["c2pa"]["issuer"] == "Example Newsroom" and report["c2pa"]["state"] == "Trusted"

    code, info, _ = run_json(["cert", "reset"], capsys)
    assert code == 0 and info["kind"] == "per-install CA" and info["signer"] == "Sora Studio export signer"
    assert main(["cert", "show"]) == 0
    assert "Sora Studio export signer (per-install CA)" in capsys.readouterr().out


@pytest.mark.parametrize("defect, reason", [
    (dict(wrong_key=True), "private key does not match"),
    (dict(days=(-400, -30)), "expired on"),
    (dict(eku=False), "emailProtection/documentSigning"),
    (dict(digital_signature=False), "digitalSignature"),
    (dict(aki=False), "authority key identifier"),
])
def test_unusable_chains_are_refused_with_exit_2_and_the_reason(defect, reason, tmp_path, capsys):
    chain, key, _ = make_chain(tmp_path / "pki", **defect)
    assert main(["cert", "install", "--chain", str(chain), "--key", str(key)]) == 2
    err = capsys.readouterr().err
    assert reason in err and "cannot sign Content Credentials" in err
    assert main(["cert", "show", "--json"]) == 0  # nothing changed: still the install's own CA
    assert json.loads(capsys.readouterr().out)["kind"] == "per-install CA"


def test_missing_or_unreadable_files_are_bad_input(tmp_path, capsys):
    chain, key, _ = make_chain(tmp_path / "pki")
    assert main(["cert", "install", "--chain", str(tmp_path / "nope.pem"), "--key", str(key)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["cert", "install", "--chain", str(chain), "--key", str(chain)]) == 2  # a certificate is no key
    assert "cannot be read" in capsys.readouterr().err
