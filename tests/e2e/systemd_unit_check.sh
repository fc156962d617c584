#!/usr/bin/env bash
# Checks systemd/relais.service: `systemd-analyze verify` on a copy whose ExecStart points to
# /bin/true (verify needs the binary to exist) must be silent, and the offline security
# exposure score must be at most 2.5. Prints the score; exits non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
unit="$here/systemd/relais.service"
max_score=${RELAIS_MAX_EXPOSURE:-2.5}

if ! command -v systemd-analyze >/dev/null; then
  echo "systemd_unit_check: systemd-analyze not found" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# verify: same unit, ExecStart replaced; any output (warning or error) is a failure.
sed -E 's|^ExecStart=[^ ]+|ExecStart=/bin/true|' "$unit" >"$tmp/relais.service"
if ! out=$(systemd-analyze verify "$tmp/relais.service" 2>&1) || [[ -n "$out" ]]; then
  echo "systemd_unit_check: systemd-analyze verify complained:" >&2
  echo "$out" >&2
  exit 1
fi
echo "systemd_unit_check: verify ok"

# The sysusers and tmpfiles snippets must parse too.
for f in relais.sysusers.conf relais.tmpfiles.conf; do
  [[ -s "$here/systemd/$f" ]] || { echo "systemd_unit_check: missing systemd/$f" >&2; exit 1; }
done
if command -v systemd-sysusers >/dev/null; then
  if ! out=$(systemd-sysusers --dry-run "$here/systemd/relais.sysusers.conf" 2>&1); then
    echo "systemd_unit_check: systemd-sysusers rejected relais.sysusers.conf:" >&2
    echo "$out" >&2
    exit 1
  fi
fi

report=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
score=$(printf '%s\n' "$report" | sed -nE 's/.*Overall exposure level for [^:]+: ([0-9]+\.[0-9]+).*/\1/p')
if [[ -z "$score" ]]; then
  echo "systemd_unit_check: no exposure score in systemd-analyze security output:" >&2
  echo "$report" >&2
  exit 1
fi
echo "systemd_unit_check: exposure score $score (max $max_score)"
if awk -v s="$score" -v m="$max_score" 'BEGIN { exit !(s > m) }'; then
  printf '%s\n' "$report" | grep '✗' >&2 || true
  echo "systemd_unit_check: exposure score $score exceeds $max_score" >&2
  exit 1
fi
echo "systemd_unit_check: ok"
