#!/usr/bin/env bash
# Install the Debian packages Kontera and its tests use, only when something is missing.
set -euo pipefail

packages=()
have() { command -v "$1" >/dev/null 2>&1; }
lang() { tesseract --list-langs 2>/dev/null | grep -qx "$1"; }

have tesseract || packages+=(tesseract-ocr)
for l in nor swe eng osd; do lang "$l" || packages+=("tesseract-ocr-$l"); done
have pdftoppm || packages+=(poppler-utils)
have qpdf || packages+=(qpdf)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
have redis-server || packages+=(redis-server)
[ -x /usr/sbin/dovecot ] || packages+=(dovecot-imapd)
have chromium || packages+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || packages+=(fonts-dejavu-core)
have make || packages+=(make)

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${packages[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if have sudo; then sudo="sudo"; else
    echo "Please install as root: apt-get install ${packages[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# Dovecot's package starts a system service we do not use; tests start their own.
$sudo systemctl disable --now dovecot >/dev/null 2>&1 || $sudo service dovecot stop >/dev/null 2>&1 || true
