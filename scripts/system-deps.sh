#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium for browser tests, pango and fonts for
# WeasyPrint, poppler for PDF pictures, the PostgreSQL client for backups.
# Installed only when running as root with apt; otherwise a missing one is named.
set -u
pkgs=(chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
      fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji poppler-utils postgresql-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
    echo "apt-get could not install: ${missing[*]}" >&2; exit 1; }
else
  echo "Missing Debian packages (install them as root): ${missing[*]}" >&2
  [ "${CI:-}" = "true" ] && exit 1
fi
exit 0
