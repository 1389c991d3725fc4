#!/usr/bin/env bash
# Build the Linux one-folder bundle, run its self-test, and wrap it as a tarball and a .deb.
#   packaging/build-linux.sh [--bundle-only]   (from the repository root, with the project's venv active;
#                                               --bundle-only skips the archives: what CI runs)
# Needs: pyinstaller (pip), dpkg-deb (Debian/Ubuntu). Outputs in dist/ (gitignored):
#   dist/sora-studio/                   the bundle        dist/sora-studio-VERSION-linux-x86_64.tar.gz
#   dist/sora-studio_VERSION_amd64.deb  installs to /opt/sora-studio with /usr/bin/sora-studio and a .desktop entry
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(python -c "import sora_studio; print(sora_studio.__version__)")
ARCH=$(uname -m)

t0=$(date +%s)
python -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/sora-studio.spec
t1=$(date +%s)
echo "build: $((t1 - t0)) s"

# the self-test runs inside the bundle, offscreen, in a throw-away studio home
QT_QPA_PLATFORM=offscreen dist/sora-studio/sora-studio --self-test
t2=$(date +%s)
echo "self-test: $((t2 - t1)) s"

echo "bundle:  $(du -sh dist/sora-studio | cut -f1)"
if [ "${1:-}" = "--bundle-only" ]; then
    exit 0
fi

tarball="dist/sora-studio-${VERSION}-linux-${ARCH}.tar.gz"
tar -C dist -czf "$tarball" sora-studio
if command -v dpkg-deb >/dev/null; then
    root=build/deb/sora-studio
    rm -rf "$root"
    mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
             "$root/usr/share/icons/hicolor/scalable/apps" "$root/usr/share/doc/sora-studio"
    cp -a dist/sora-studio "$root/opt/sora-studio"
    ln -s /opt/sora-studio/sora-studio "$root/usr/bin/sora-studio"
    cp packaging/linux/sora-studio.desktop "$root/usr/share/applications/"
    cp resources/icons/sora-studio.svg "$root/usr/share/icons/hicolor/scalable/apps/sora-studio.svg"
    cp packaging/notices/THIRD-PARTY.md "$root/usr/share/doc/sora-studio/copyright"
    size_kb=$(du -sk "$root/opt" | cut -f1)
    sed -e "s/@VERSION@/${VERSION}/" -e "s/@SIZE@/${size_kb}/" packaging/linux/control.in > "$root/DEBIAN/control"
    dpkg-deb --root-owner-group --build -Zgzip -z6 "$root" "dist/sora-studio_${VERSION}_amd64.deb" >/dev/null
fi
t3=$(date +%s)
echo "archives: $((t3 - t2)) s"
ls -lh dist/*.tar.gz dist/*.deb 2>/dev/null | awk '{print $5, $9}'
