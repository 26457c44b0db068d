#!/usr/bin/env bash
# Install everything Ansim's test suite needs on a fresh Debian/Ubuntu machine:
# system tools (poppler-utils for pdftotext/pdffonts/pdfsig/pdftoppm, with poppler-data for the
# Korean CID fallback font, tmux, openssl, a real
# Secret Service in gnome-keyring with dbus, Korean fonts) and the Python test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(poppler-utils poppler-data tmux openssl gnome-keyring dbus dbus-x11 libsecret-tools fonts-nanum coreutils xvfb xclip)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Please install: ${missing[*]}" >&2
  fi
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'
