#!/bin/sh
# Pack dist/dlwizard.app (built by PyInstaller from packaging/dlwizard.spec on macOS) into a
# drag-to-Applications disk image:
#   packaging/macos/make_dmg.sh VERSION [DIST]  ->  DIST/dlwizard-VERSION-macos-ARCH.dmg
#
# Signing: PyInstaller signs the app ad hoc (enough to run on Apple silicon). Such an app is not
# notarized, so the first start needs right-click > Open (or System Settings > Privacy &
# Security > Open Anyway). With a Developer ID, set before building:
#   DLWIZARD_CODESIGN_IDENTITY="Developer ID Application: ..."   (used by the spec)
# and, to notarize the .dmg here, also
#   DLWIZARD_NOTARY_PROFILE=<a keychain profile made with `xcrun notarytool store-credentials`>
set -eu

version=$1
dist=${2:-dist}
arch=$(uname -m)
app=$dist/dlwizard.app
name=dlwizard-$version-macos-$arch
stage=$dist/.dmg-stage

test -d "$app" || { echo "no $app: build it first" >&2; exit 1; }
rm -rf "$stage" "$dist/$name.dmg"
mkdir -p "$stage"
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
hdiutil create -volname "dlwizard $version" -srcfolder "$stage" -fs HFS+ -format UDZO \
    -imagekey zlib-level=9 -ov "$dist/$name.dmg"
rm -rf "$stage"

if [ -n "${DLWIZARD_CODESIGN_IDENTITY:-}" ]; then
    codesign --force --sign "$DLWIZARD_CODESIGN_IDENTITY" --timestamp "$dist/$name.dmg"
fi
if [ -n "${DLWIZARD_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dist/$name.dmg" --keychain-profile "$DLWIZARD_NOTARY_PROFILE" --wait
    xcrun stapler staple "$dist/$name.dmg"
fi
echo "$dist/$name.dmg"
