#!/usr/bin/env bash
# The manual page daemoniker.1 (daemoniker/cli/daemoniker.1):
#   1. man and groff format it without a single warning;
#   2. it agrees with the command's --help, both ways: every flag of the top-level --help and of
#      every subcommand's --help is in the page's SYNOPSIS line of that command and described in
#      OPTIONS, and every flag the page mentions anywhere exists in some --help;
#   3. the check itself fails on a page missing a flag, on a page naming a flag that does not
#      exist, and on a --help with a flag the page lacks (so it cannot pass vacuously).
#
#   man_test.sh DAEMONIKER_BINARY DAEMONIKER.1
set -uo pipefail

cli=$(realpath "$1")
page=$(realpath "$2")
failures=0
fail() { printf 'man_test: FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
scratch=${TEST_TMPDIR:-$(mktemp -d)}/man_test
mkdir -p "$scratch"

for tool in man groff; do
  command -v "$tool" >/dev/null || { echo "man_test: $tool is missing: install man-db and groff-base (bash tools/setup.sh)" >&2; exit 1; }
done

# --- 1. No warnings -------------------------------------------------------------------------
warnings=$(MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
[[ -z $warnings ]] || fail "man --warnings -E UTF-8 -l daemoniker.1 warns:"$'\n'"$warnings"
warnings=$(groff -man -ww -z "$page" 2>&1)
[[ -z $warnings ]] || fail "groff -man -ww -z daemoniker.1 warns:"$'\n'"$warnings"

# --- 2. The page and --help agree -------------------------------------------------------------

# Flags (-h, --pidfile, ...) in the text on stdin, one per line, sorted, unique: a dash or two
# and a letter, not inside a word (start-stop-daemon is not a flag).
flags_in() {
  grep -oE '(^|[^[:alnum:]_-])--?[[:alpha:]][[:alnum:]-]*' | sed -E 's/^[^-]//' | sort -u
}

# The flags a --help output lists: its option lines ("  -h,--help ...", "  --pidfile TEXT ...").
help_flags() { # COMMAND...
  "$@" --help | grep -E '^  -' | sed -E 's/^ +([^ ]+).*/\1/' | tr ',' '\n' | sort -u
}

# The page as plain text, wide enough that no line wraps.
render() { groff -man -Tascii -P-cbou -rLL=1000n "$1" 2>/dev/null; }

# The text of one section (its heading at column 0) of a rendering on stdin.
section() { awk -v name="$1" '/^[A-Z]/ { on = ($0 == name); next } on'; }

# Set difference, for messages: lines of $1 not in $2.
missing() { comm -23 <(printf '%s\n' "$1" | sed '/^$/d') <(printf '%s\n' "$2" | sed '/^$/d') | paste -sd' '; }

# check PROGRAM PAGE: prints what disagrees; returns 1 when anything does.
check() {
  local cli=$1 page=$2 text synopsis options subs sub wanted documented all bad=0
  text=$(render "$page") || { echo "cannot render $page"; return 1; }
  # SYNOPSIS: one paragraph per form, joined into one line each.
  synopsis=$(printf '%s\n' "$text" | section SYNOPSIS | awk 'BEGIN { RS = "" } { gsub(/\n */, " "); sub(/^ +/, ""); print }')
  options=$(printf '%s\n' "$text" | section OPTIONS | grep -E '^       -' | flags_in)
  subs=$("$cli" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
  [[ -n $subs ]] || { echo "daemoniker --help lists no subcommands"; return 1; }
  all=$(help_flags "$cli")
  wanted=$(help_flags "$cli" | grep -vx -- -h)
  documented=$(printf '%s\n' "$synopsis" | grep -E '^daemoniker( |$)' | grep -vE "^daemoniker ($(paste -sd'|' <<<"$subs"))( |$)" |
               sed -E 's/ -- .*//' | flags_in)
  if [[ $wanted != "$documented" ]]; then
    echo "top level: --help has [$(missing "$wanted" "$documented")] not in the SYNOPSIS; the SYNOPSIS has [$(missing "$documented" "$wanted")] not in --help"
    bad=1
  fi
  for sub in $subs; do
    wanted=$(help_flags "$cli" "$sub" | grep -vxE -- '-h|--help')
    all=$(printf '%s\n%s\n' "$all" "$(help_flags "$cli" "$sub")" | sort -u)
    documented=$(printf '%s\n' "$synopsis" | grep -E "^daemoniker $sub( |$)" | sed -E 's/ -- .*//' | flags_in)
    if [[ $wanted != "$documented" ]]; then
      echo "$sub: --help has [$(missing "$wanted" "$documented")] not in its SYNOPSIS line; the SYNOPSIS line has [$(missing "$documented" "$wanted")] not in '$sub --help'"
      bad=1
    fi
    printf '%s\n' "$text" | section COMMANDS | grep -qE "^       $sub( |$)" || { echo "$sub: not described under COMMANDS"; bad=1; }
  done
  if [[ $all != "$options" ]]; then
    echo "OPTIONS: [$(missing "$all" "$options")] are in --help but not described; [$(missing "$options" "$all")] are described but in no --help"
    bad=1
  fi
  # Anywhere in the page (a program's own arguments after ' -- ' aside): only real flags.
  local anywhere
  anywhere=$(printf '%s\n' "$text" | sed -E 's/ -- .*//' | flags_in)
  if [[ -n $(missing "$anywhere" "$all") ]]; then
    echo "the page mentions [$(missing "$anywhere" "$all")], which no --help lists"
    bad=1
  fi
  return "$bad"
}

if ! report=$(check "$cli" "$page"); then
  fail "daemoniker.1 and --help disagree:"$'\n'"$report"
fi

# --- 3. The check catches what it is for --------------------------------------------------------
# A page without --chroot (its SYNOPSIS entries, its description and every mention).
grep -v 'chroot' "$page" >"$scratch/no-chroot.1"
report=$(check "$cli" "$scratch/no-chroot.1") && fail "a page without --chroot passed the check"
[[ $report == *"--chroot"* ]] || fail "the report on a page without --chroot does not name it: $report"
# A page naming a flag that does not exist.
{ cat "$page"; printf '.PP\nSee also \\-\\-frobnicate.\n'; } >"$scratch/extra.1"
report=$(check "$cli" "$scratch/extra.1") && fail "a page naming --frobnicate passed the check"
[[ $report == *"--frobnicate"* ]] || fail "the report on a page naming --frobnicate does not name it: $report"
# A command whose 'stop --help' has a flag the page lacks.
cat >"$scratch/daemoniker" <<WRAPPER
#!/usr/bin/env bash
"$cli" "\$@"
status=\$?
[[ \$* == "stop --help" ]] && echo "  --frobnicate                a flag the page does not know"
exit \$status
WRAPPER
chmod +x "$scratch/daemoniker"
report=$(check "$scratch/daemoniker" "$page") && fail "a 'stop --help' with --frobnicate passed the check"
[[ $report == *"stop: --help has [--frobnicate]"* ]] || fail "the report on 'stop --help' with --frobnicate: $report"

if ((failures > 0)); then
  echo "man_test: $failures failure(s)" >&2
  exit 1
fi
echo "man_test: daemoniker.1 formats without warnings and matches every --help"
