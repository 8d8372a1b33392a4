#!/bin/bash
# Runs virtual-board cases inside the guest, one after another, each in
# its own bash with a time limit. A case passes with status 0, is skipped
# with 77 (having printed why), reports a known bug in teachpad with 78
# (printed as KNOWN-BUG with its reason, counted as skipped so CI stays
# usable while the owner fixes it, never as passed), and fails otherwise.
# Usage:
#   run-cases.sh all | NAME...     (NAME: a file in cases/, with or without .sh)
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$VBOARD_PROJECT" || exit 1

cases=()
if [ $# -eq 0 ] || [ "$1" = all ]; then
  for file in "$here"/cases/*.sh; do cases+=("$file"); done
else
  for name in "$@"; do
    file="$here/cases/${name%.sh}.sh"
    [ -f "$file" ] || { echo "vboard: no case $name"; exit 2; }
    cases+=("$file")
  done
fi

passed=0 failed=0 skipped=0
failed_names=() skipped_names=() known_names=()
for file in "${cases[@]}"; do
  name="$(basename "$file" .sh)"
  # In the share, so that a VM time-out still shows how far a case got.
  mkdir -p /vboard/cases
  log="/vboard/cases/$name.log"
  started=$(date +%s%N)
  # timeout runs the case in its own process group; whatever the case
  # left running (feeders, line holders) is ended with that group.
  limit=$(sed -n 's/^# vboard-timeout: \([0-9]*\)$/\1/p' "$file")
  timeout --kill-after=3 "${limit:-${VBOARD_CASE_TIMEOUT:-90}}" bash "$file" > "$log" 2>&1 < /dev/null &
  group=$!
  wait "$group"
  status=$?
  kill -KILL -- "-$group" 2>/dev/null
  ms=$(( ($(date +%s%N) - started) / 1000000 ))
  seconds="$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  case "$status" in
    0) passed=$((passed + 1)); echo "PASS $name (${seconds} s)"
       sed "s/^/    /" "$log" ;;
    78) skipped=$((skipped + 1)); known_names+=("$name")
       echo "KNOWN-BUG $name (${seconds} s): $(grep -m1 '^KNOWN-BUG:' "$log" | sed 's/^KNOWN-BUG: //')"
       sed "s/^/    /" "$log" ;;
    77) skipped=$((skipped + 1)); skipped_names+=("$name")
       echo "SKIP $name (${seconds} s): $(grep -m1 '^SKIP:' "$log" | sed 's/^SKIP: //')" ;;
    124|137) failed=$((failed + 1)); failed_names+=("$name")
       echo "FAIL $name: timed out after ${seconds} s"; sed 's/^/    /' "$log" ;;
    *) failed=$((failed + 1)); failed_names+=("$name")
       echo "FAIL $name (${seconds} s, status $status)"; sed 's/^/    /' "$log" ;;
  esac
done

echo
[ ${#skipped_names[@]} -gt 0 ] && echo "vboard: skipped (teachpad code not built or not there yet): ${skipped_names[*]}"
[ ${#known_names[@]} -gt 0 ] && echo "vboard: known bugs in teachpad, counted as skipped, NOT passed: ${known_names[*]}"
[ "$failed" -gt 0 ] && echo "vboard: failed: ${failed_names[*]}"
echo "vboard: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
