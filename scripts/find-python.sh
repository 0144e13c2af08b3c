#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (Django 6 refuses older ones), or explain and fail.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3.13 python3.12)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for v in $(ls -1 "$root/versions" 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -Vr); do
    candidates+=("$root/versions/$v/bin/python3")
  done
fi
for v in $(ls -1d "$HOME"/.pyenv/versions/3.1[2-9]* 2>/dev/null | sort -Vr); do
  candidates+=("$v/bin/python3")
done
candidates+=(python3)
for c in "${candidates[@]}"; do
  path=$(command -v "$c" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
cat >&2 <<'MSG'
KAP Clinic needs Python 3.12 or newer (Django 6.0 refuses older versions), and none was found.
Install one, for example:
  pyenv install 3.12        (then run make again)
  apt-get install python3.12 python3.12-venv   (Debian 13 / Ubuntu 24.04)
or point to one:  make demo PYTHON=/path/to/python3.12
MSG
exit 1
