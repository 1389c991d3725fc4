#!/usr/bin/env bash
# macOS: build "Sora Studio.app", sign it with a Developer ID, notarize it, staple the ticket, wrap it in a .dmg.
# Run on a Mac (PyInstaller cannot cross-build), from the repository root, with the project's venv active.
#
#   SIGN_IDENTITY="Developer ID Application: Your Studio (TEAMID)"   codesign identity in the login keychain
#   NOTARY_PROFILE=sora-notary      a profile stored once with:
#        xcrun notarytool store-credentials sora-notary --apple-id you@example.com --team-id TEAMID
#   packaging/macos/build-dmg.sh
#
# Without SIGN_IDENTITY the app is built unsigned (fine for local testing; Gatekeeper blocks it elsewhere).
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=$(python -c "import sora_studio; print(sora_studio.__version__)")
APP="dist/Sora Studio.app"
DMG="dist/SoraStudio-${VERSION}-macos-$(uname -m).dmg"

python -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/sora-studio.spec
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/sora-studio" --self-test

if [[ -n "${SIGN_IDENTITY:-}" ]]; then
    # hardened runtime is required for notarization; torch/ctypes need the JIT and library-validation exceptions
    codesign --force --deep --timestamp --options runtime \
        --entitlements packaging/macos/entitlements.plist --sign "$SIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
fi

rm -f "$DMG"
hdiutil create -volname "Sora Studio" -srcfolder "$APP" -ov -format UDZO "$DMG"

if [[ -n "${SIGN_IDENTITY:-}" ]]; then
    codesign --timestamp --sign "$SIGN_IDENTITY" "$DMG"
    if [[ -n "${NOTARY_PROFILE:-}" ]]; then
        xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
        xcrun stapler staple "$DMG"
        spctl --assess --type open --context context:primary-signature --verbose "$DMG"
    fi
fi
echo "built $DMG ($(du -sh "$DMG" | cut -f1))"
