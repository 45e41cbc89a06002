#!/usr/bin/env bash
# Runs the tests with the system clock moved to other dates (libfaketime), to check that no test
# depends on today's date or time of day. Needs libfaketime (Debian: apt-get install faketime)
# and `npm run build` first (some tests spawn bin/hark).
#
#   scripts/test-dates.sh                                    # every default date, whole suite
#   scripts/test-dates.sh '2027-03-14T09:59:00Z' -- test/server/reload.test.ts
#
# Each date is a UTC instant; the clock starts there and runs on. The unit and tz projects run
# under TZ=UTC, the tz project again under TZ=America/Los_Angeles (as `npm test` does). One run
# after another: they are heavy. Two processes keep the real clock: redis-server (it hangs under
# libfaketime) and Alertmanager (Go reads the clock without libc); the tests do not mix their
# clocks with ours.
set -euo pipefail
cd "$(dirname "$0")/.."

lib=""
for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1 \
  /usr/lib/faketime/libfaketime.so.1; do
  [ -e "$f" ] && lib=$f && break
done
[ -n "$lib" ] || { echo "test-dates: libfaketime not found (Debian: apt-get install faketime)" >&2; exit 2; }

dates=()
while (($# > 0)) && [ "$1" != "--" ]; do dates+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
files=("$@")
if ((${#dates[@]} == 0)); then
  dates=(
    2027-01-11T08:59:30Z # Monday, just before the tests' 09:00 UTC handoffs: an even week turns odd
    2026-12-31T23:59:30Z # the 31st, 23:59, in an odd week and the example's holiday season
    2027-03-14T09:59:00Z # 01:59 in Los Angeles, a minute before the US DST change
    2027-03-28T00:59:30Z # just before the EU DST change (01:00 UTC)
    2028-02-29T23:59:30Z # 29 February, 23:59
    2027-01-18T13:59:30Z # 08:59 in New York, just before the example platform schedule's handoff
  )
fi

# redis-server keeps the real clock (see above): a shim first on PATH drops libfaketime for it.
shim=$(mktemp -d)
chmod 755 "$shim" # the quick-start test runs redis-server as `nobody`
trap 'rm -rf "$shim"' EXIT
real_redis=$(command -v redis-server)
printf '#!/bin/sh\nunset LD_PRELOAD FAKETIME\nexec %s "$@"\n' "$real_redis" >"$shim/redis-server"
chmod +x "$shim/redis-server"

failed=()
run() { # DATE TZ [vitest args...]
  local d=$1 tz=$2
  shift 2
  # A relative offset (the clock then runs on), so the machine's zone does not change the date.
  local offset=$(($(date -u -d "$d" +%s) - $(date +%s)))
  echo "== $d, TZ=$tz: vitest run $*"
  if ! env PATH="$shim:$PATH" TZ="$tz" LD_PRELOAD="$lib" FAKETIME="$(printf '%+ds' "$offset")" npx vitest run "$@"; then
    failed+=("$d TZ=$tz $*")
  fi
}
for d in "${dates[@]}"; do
  if ((${#files[@]} > 0)); then
    run "$d" UTC "${files[@]}"
  else
    run "$d" UTC
    run "$d" America/Los_Angeles --project tz
  fi
done

if ((${#failed[@]} > 0)); then
  printf 'test-dates: failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test-dates: every run passed on ${#dates[@]} date(s)"
