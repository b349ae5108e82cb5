#!/usr/bin/env bash
# Debian packages the tests need (the browser and fonts for Vietnamese; Tesseract with its
# Vietnamese data for OCR). Installed only when
# running as root and something is missing; otherwise prints what to install.
set -euo pipefail
packages=(chromium fonts-noto-core fonts-liberation2 tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui softhsm2 opensc)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Cài gói hệ thống: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Thiếu gói hệ thống: ${missing[*]} (chạy: sudo apt-get install ${missing[*]})" >&2
fi
