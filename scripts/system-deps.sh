#!/usr/bin/env bash
# Debian packages the test suite needs: headless Chromium for browser tests, poppler
# (pdfsig, pdftoppm) for PDF checks, oathtool for real TOTP codes, DejaVu fonts for
# Vietnamese PDFs, certutil for pdfsig's trust store, gettext for translations,
# Tesseract with its Vietnamese model for OCR of scanned dossier PDFs (archive search),
# nginx to run the production proxy's configuration (tests/ops/test_proxy.py).
# Installs what is missing when running as root; otherwise says what to install.
set -euo pipefail

packages=(chromium poppler-utils oathtool fonts-dejavu-core libnss3-tools gettext)
packages+=(tesseract-ocr tesseract-ocr-vie)  # archive search: OCR
packages+=(nginx)  # the proxy test runs docker/nginx's config in a real nginx
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "!! Not a Debian system: install the equivalents of: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "!! Missing Debian packages: ${missing[*]}" >&2
  echo "!! Run: sudo apt-get install -y ${missing[*]}   (tests that need them will be skipped)" >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
