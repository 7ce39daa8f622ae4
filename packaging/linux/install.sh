#!/bin/sh
# Install dlwizard for the current user from the unpacked tarball (no root needed):
#   the app        -> ~/.local/opt/dlwizard/
#   the command    -> ~/.local/bin/dlwizard
#   the menu entry -> ~/.local/share/applications/dlwizard.desktop
#   the icon       -> ~/.local/share/icons/hicolor/scalable/apps/dlwizard.svg
#   .dlwiz files   -> open with dlwizard (shared-mime-info)
# Run ./install.sh --uninstall to remove all of it (your projects and settings stay).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
prefix=$HOME/.local/opt/dlwizard
bin=$HOME/.local/bin

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$prefix" "$bin/dlwizard" "$data/applications/dlwizard.desktop" \
        "$data/icons/hicolor/scalable/apps/dlwizard.svg" "$data/mime/packages/dlwizard.xml"
    command -v update-mime-database >/dev/null && update-mime-database "$data/mime" 2>/dev/null || true
    command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" 2>/dev/null || true
    echo "dlwizard removed."
    exit 0
fi

mkdir -p "$prefix" "$bin" "$data/applications" "$data/icons/hicolor/scalable/apps" "$data/mime/packages"
rm -rf "$prefix"
cp -a "$here/dlwizard" "$prefix"
ln -sf "$prefix/dlwizard" "$bin/dlwizard"
cp "$here/dlwizard.svg" "$data/icons/hicolor/scalable/apps/dlwizard.svg"
cp "$here/dlwizard-mime.xml" "$data/mime/packages/dlwizard.xml"
sed "s|^Exec=.*|Exec=\"$prefix/dlwizard\" %f|" "$here/dlwizard.desktop" > "$data/applications/dlwizard.desktop"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" 2>/dev/null || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$data/icons/hicolor" 2>/dev/null || true
echo "dlwizard installed in $prefix; find it in your applications menu, or run: $bin/dlwizard"
# The window needs the desktop's X11 (xcb) libraries: name any that are missing, and the
# command that installs them, now rather than at the first double-click.
if ! check=$("$prefix/dlwizard" --check-system 2>&1); then
    echo
    echo "WARNING: $check"
fi
echo "Check it with: $bin/dlwizard --self-test --out dlwizard-selftest.json"
