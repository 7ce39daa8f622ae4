#!/bin/sh
# Pack the one-folder app built by PyInstaller with its desktop entry and icon:
#   packaging/linux/make_tarball.sh VERSION [DIST]   ->  DIST/dlwizard-VERSION-linux-ARCH.tar.gz
# The archive unpacks to dlwizard-VERSION-linux-ARCH/ holding dlwizard/ (the app: run
# dlwizard/dlwizard), install.sh, dlwizard.desktop, dlwizard.svg, dlwizard-mime.xml, README.txt.
set -eu

version=$1
dist=${2:-dist}
root=$(cd "$(dirname "$0")/../.." && pwd)
arch=$(uname -m)
name=dlwizard-$version-linux-$arch
stage=$dist/.stage

test -x "$dist/dlwizard/dlwizard" || { echo "no app in $dist/dlwizard: build it first" >&2; exit 1; }
rm -rf "$stage"
mkdir -p "$stage/$name"
cp -a "$dist/dlwizard" "$stage/$name/dlwizard"
cp "$root/packaging/linux/dlwizard.desktop" "$root/packaging/linux/dlwizard-mime.xml" "$stage/$name/"
cp "$root/packaging/linux/install.sh" "$stage/$name/install.sh"
chmod +x "$stage/$name/install.sh"
cp "$root/resources/icons/dlwizard.svg" "$stage/$name/dlwizard.svg"
cat > "$stage/$name/README.txt" <<EOF
dlwizard $version for Linux ($arch)

Run it from here:        ./dlwizard/dlwizard
Install it for yourself: ./install.sh   (menu entry, icon, .dlwiz files; ./install.sh --uninstall)
Check the installation:  ./dlwizard/dlwizard --self-test --out selftest.json

Logs: ~/.local/state/dlwizard/logs/dlwizard.log
EOF
tar -C "$stage" -czf "$dist/$name.tar.gz" "$name"
rm -rf "$stage"
echo "$dist/$name.tar.gz"
