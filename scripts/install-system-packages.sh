#!/usr/bin/env bash
# Debian packages vanphong needs. "runtime": OCR (Tesseract with Vietnamese), DOCX → PDF
# (LibreOffice) and fonts that render Vietnamese. "test" adds the browser for the browser tests
# and SoftHSM2/OpenSC standing in for a signer's USB token. Installed only when running as root
# and something is missing; otherwise prints what to install and carries on.
set -euo pipefail
runtime=(fonts-noto-core fonts-liberation2 tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui)
testing=(chromium softhsm2 opensc)
case "${1:-test}" in
  runtime) packages=("${runtime[@]}") ;;
  test) packages=("${runtime[@]}" "${testing[@]}") ;;
  *) echo "usage: $0 runtime|test" >&2; exit 2 ;;
esac
command -v dpkg >/dev/null || { echo "Không phải hệ Debian/Ubuntu: hãy tự cài ${packages[*]}" >&2; exit 0; }
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
