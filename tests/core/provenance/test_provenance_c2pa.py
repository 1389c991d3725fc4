"""Content Credentials: real c2pa-python signatures with the install's CA, a foreign CA and broken inputs."""

import datetime as dt
import json
import os
import shutil
import stat

import pytest

from sora_studio.core.provenance import certificates as certs
from sora_studio.core.provenance.c2pa_sign import (
    TRAINED_ALGORITHMIC_MEDIA, Ingredient, ManifestSpec, UnsignedExportWarning, copy_and_sign)
from sora_studio.core.provenance.c2pa_verify import read_credentials
from sora_studio.errors import BadInput


def spec(**kw):
    base = dict(title="out.mp4", generated=True, edited=True,
                studio={"models": ["wan2.1-t2v-1.3b"], "seed": 42, "prompt_sha256": "ab" * 32, "cameo_ids": ["c1"]})
    base.update(kw)
    return ManifestSpec(**base)


def test_install_identity_is_a_two_level_chain_with_a_private_key_file():
    identity = certs.install_identity()
    folder = certs.signing_dir()
    assert stat.S_IMODE(os.stat(folder / "signing.key").st_mode) == 0o600
    leaf, ca = __import__("cryptography.x509", fromlist=["x"]).load_pem_x509_certificates(identity.chain_pem)
    assert leaf.issuer == ca.subject != leaf.subject
    assert certs.certificate_problems(identity) == []
    assert certs.install_identity().chain_pem == identity.chain_pem  # made once, then reused


def test_sign_then_verify_is_trusted_with_actions_ingredients_and_recipe(small_clip, tmp_path):
    ingredient = tmp_path / "imported.mp4"
    shutil.copyfile(small_clip, ingredient)
    out = tmp_path / "signed.mp4"
    outcome = copy_and_sign(small_clip, out, spec(ingredients=[Ingredient(ingredient, "imported.mp4")]))
    assert outcome.signed and outcome.signer == "Sora Studio export signer"
    report = read_credentials(out)
    assert report.state == "Trusted", report
    assert report.signer == "Sora Studio export signer"
    actions = {a["action"]: a for a in report.actions}
    assert actions["c2pa.created"]["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert "c2pa.placed" in actions and "c2pa.edited" in actions
    assert [i["title"] for i in report.ingredients] == ["imported.mp4"]
    assert report.studio["seed"] == 42 and report.studio["cameo_ids"] == ["c1"]
    # without our anchor the same file is only Valid: intact, but signed by an unknown CA
    assert read_credentials(out, anchors=[]).state == "Valid"


def test_ingredients_of_other_media_types_do_not_change_how_the_video_is_signed(small_clip, tmp_path):
    """A film with a WAV (dialogue) and a PNG ingredient after its MP4 ones is still signed as video/mp4."""
    import numpy as np
    import soundfile as sf
    from PIL import Image

    speech, still = tmp_path / "line.wav", tmp_path / "still.png"
    sf.write(speech, np.zeros((4800, 1), np.float32), 48000)
    Image.new("RGB", (16, 16)).save(still)
    out = tmp_path / "signed.mp4"
    outcome = copy_and_sign(small_clip, out, spec(ingredients=[Ingredient(small_clip, "clip.mp4"),
                                                               Ingredient(still, "still.png"),
                                                               Ingredient(speech, "line.wav")]))
    assert outcome.signed, outcome.reason
    report = read_credentials(out)
    assert report.state == "Trusted" and {i["title"] for i in report.ingredients} == {"clip.mp4", "still.png",
                                                                                      "line.wav"}


def test_one_flipped_media_byte_makes_it_invalid(small_clip, tmp_path):
    out = tmp_path / "signed.mp4"
    assert copy_and_sign(small_clip, out, spec()).signed
    data = bytearray(out.read_bytes())
    mdat = data.find(b"mdat")
    data[mdat + 500] ^= 0x01
    out.write_bytes(bytes(data))
    report = read_credentials(out)
    assert report.state == "Invalid"
    assert any("bmffHash.mismatch" in f for f in report.failures)


def test_foreign_ca_reads_as_valid_untrusted_with_its_signer(small_clip, tmp_path):
    chain, key, _ = certs.make_ca_chain("Other Tool Inc", "Other Tool signer")
    other = certs.SigningIdentity(chain, key, None, "user")
    out = tmp_path / "foreign.mp4"
    assert copy_and_sign(small_clip, out, spec(generated=False), identity=other).signed
    report = read_credentials(out)
    assert report.state == "Valid"
    assert report.signer == "Other Tool signer" and report.issuer == "Other Tool Inc"


def test_expired_certificate_writes_the_file_unsigned_and_says_why(small_clip, tmp_path):
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)
    chain, key, _ = certs.make_ca_chain("Sora Studio (this install)", "old signer", not_before=past, leaf_days=30)
    expired = certs.SigningIdentity(chain, key, None, "user")
    out = tmp_path / "unsigned.mp4"
    with pytest.warns(UnsignedExportWarning, match="expired"):
        outcome = copy_and_sign(small_clip, out, spec(), identity=expired)
    assert not outcome.signed and "expired" in outcome.reason
    assert out.read_bytes() == small_clip.read_bytes()  # the export is kept, untouched
    assert read_credentials(out).state == "none"


def test_certificate_checks_refuse_self_signed_and_mismatched_keys():
    chain, key, ca = certs.make_ca_chain("X", "x")
    leaf_only = chain[: chain.index(b"-----END CERTIFICATE-----") + 26]
    assert any("self-signed" in p or "issuing CA" in p
               for p in certs.certificate_problems(certs.SigningIdentity(leaf_only, key, None, "user")))
    _, other_key, _ = certs.make_ca_chain("Y", "y")
    mismatched = certs.SigningIdentity(chain, other_key, None, "user")
    assert any("does not match" in p for p in certs.certificate_problems(mismatched))
    assert certs.certificate_problems(certs.SigningIdentity(b"", b"", None, "user"))


def test_user_certificate_replaces_the_install_one_and_becomes_trusted(small_clip, tmp_path):
    chain, key, ca = certs.make_ca_chain("Newsroom", "Newsroom desk")
    for name, data in (("chain.pem", chain), ("key.pem", key), ("ca.pem", ca)):
        (tmp_path / name).write_bytes(data)
    certs.use_user_certificate(tmp_path / "chain.pem", tmp_path / "key.pem", tmp_path / "ca.pem")
    out = tmp_path / "newsroom.mp4"
    assert copy_and_sign(small_clip, out, spec()).signer == "Newsroom desk"
    assert read_credentials(out).state == "Trusted"
    (tmp_path / "bad.pem").write_bytes(chain)
    with pytest.raises(BadInput):
        certs.use_user_certificate(tmp_path / "chain.pem", tmp_path / "bad.pem")  # a certificate is not a key
    certs.use_user_certificate(None, None)
    assert certs.current_identity().source == "install"


def test_unreachable_timestamp_authority_falls_back_to_offline_signing(small_clip, tmp_path):
    certs.use_user_certificate(None, None, timestamp_url="http://127.0.0.1:9/tsa")
    out = tmp_path / "tsa.mp4"
    outcome = copy_and_sign(small_clip, out, spec())
    assert outcome.signed and any("unreachable" in n for n in outcome.notes)
    assert read_credentials(out).state == "Trusted"


def test_bad_inputs_get_a_report_not_a_crash(small_clip, tmp_path):
    assert read_credentials(small_clip).state == "none"
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert read_credentials(text).state == "unsupported"
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a movie at all" * 10)
    assert read_credentials(junk).state in ("Invalid", "error")
    assert read_credentials(tmp_path / "missing.mp4").state == "error"
    signed = tmp_path / "signed.mp4"
    copy_and_sign(small_clip, signed, spec())
    data = bytearray(signed.read_bytes())
    at = data.find(b"org.sorastudio.recipe")
    assert at > 0
    data[at + 60: at + 64] = b"\xff\xff\xff\xff"  # damage the manifest itself
    signed.write_bytes(bytes(data))
    report = read_credentials(signed)
    assert report.state == "Invalid" and report.message
    assert json.dumps(report.to_dict())
