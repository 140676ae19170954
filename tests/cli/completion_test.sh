#!/usr/bin/env bash
# The bash completion daemoniker.bash-completion (daemoniker/cli/), sourced into bash alone:
# what it offers for typical command lines, and that it cannot drift from the command — every
# flag of every --help is offered and none other, a flag takes a value in the completion exactly
# when --help shows one, --detach/--kill-mode offer the values --help allows, and every signal
# name offered is one the command accepts.
#
#   completion_test.sh DAEMONIKER_BINARY DAEMONIKER.bash-completion
set -uo pipefail

cli=$(realpath "$1")
script=$(realpath "$2")
failures=0
fail() { printf 'completion_test: FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
work=${TEST_TMPDIR:-$(mktemp -d)}/completion_test
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

# shellcheck source=/dev/null
source "$script" || { echo "completion_test: cannot source $script" >&2; exit 1; }
function=$(complete -p daemoniker 2>/dev/null | sed -nE 's/.*-F ([^ ]+) .*/\1/p')
[[ -n $function ]] || { echo "completion_test: the script registers no function for daemoniker" >&2; exit 1; }

# complete WORD...: what the completion offers for the command line made of these words, the
# cursor at the end of the last one (give '' to complete a new word), one per line, sorted.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  "$function" daemoniker "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
  ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect WANTED WORD...: WANTED (space separated) is exactly what is offered.
expect() {
  local wanted got
  wanted=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort)
  shift
  got=$(complete_words "$@")
  [[ $got == "$wanted" ]] || fail "'$*<TAB>' offers [$(paste -sd' ' <<<"$got")], not [$(paste -sd' ' <<<"$wanted")]"
}

# offers WANTED WORD...: each of WANTED is among what is offered.
offers() {
  local wanted=$1 got w
  shift
  got=$(complete_words "$@")
  for w in $wanted; do
    grep -qxF -- "$w" <<<"$got" || fail "'$*<TAB>' does not offer $w (offers: $(paste -sd' ' <<<"$got"))"
  done
}

# The flags a --help output lists, one per line, sorted.
help_flags() { "$cli" "$@" --help | grep -E '^  -' | sed -E 's/^ +([^ ]+).*/\1/' | tr ',' '\n' | sort -u; }

subcommands=$("$cli" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
[[ -n $subcommands ]] || { echo "completion_test: daemoniker --help lists no subcommands" >&2; exit 1; }

# --- Typical command lines ----------------------------------------------------------------------
expect 'start status stop' daemoniker st
expect "$(paste -sd' ' <<<"$subcommands")" daemoniker ''
expect '--help --version' daemoniker --
offers '--pidfile --signal --retry --kill-mode --exec --name --user' daemoniker stop --
expect 'auto always never' daemoniker start --detach ''
expect 'always' daemoniker restart --pidfile p --detach al
expect 'family process' daemoniker stop --kill-mode ''
expect 'family process' daemoniker restart --kill-mode ''
offers 'TERM HUP USR1 USR2 KILL INT' daemoniker signal --pidfile p ''
expect 'USR1 USR2' daemoniker signal --pidfile p US
expect 'USR1 USR2' daemoniker signal --pidfile p sigus
expect 'KILL' daemoniker stop --signal KI
expect '' daemoniker start --umask ''
offers 'root' daemoniker start --user ro
# Paths: files for --pidfile and the stdio flags, directories for --chdir/--chroot, a name with
# a space as one word, and --flag=value.
mkdir apple && touch app.pid 'my app.pid' other
expect 'app.pid apple' daemoniker status --pidfile ap
expect 'app.pid apple' daemoniker status --pidfile = ap
[[ $(complete_words daemoniker stop --pidfile my) == 'my app.pid' ]] ||
  fail "'daemoniker stop --pidfile my<TAB>' does not offer 'my app.pid' as one word"
expect 'apple' daemoniker start --chdir ap
expect 'apple' daemoniker start --chroot a
expect 'other' daemoniker start --stdout ot
expect 'app.pid apple' daemoniker start --pidfile p -- sleep ap
offers 'sleep' daemoniker start --pidfile p -- slee
offers '--json --pidfile' daemoniker status --pidfile p --json ''

# --- No drift from --help -----------------------------------------------------------------------
# check_flags: every flag of every --help is offered for '-', and nothing else.
check_flags() {
  local sub wanted got bad=0
  wanted=$(help_flags)
  got=$(complete_words daemoniker -)
  [[ $got == "$wanted" ]] || { echo "top level: --help has [$(paste -sd' ' <<<"$wanted")], the completion [$(paste -sd' ' <<<"$got")]"; bad=1; }
  for sub in $subcommands; do
    wanted=$(help_flags "$sub")
    got=$(complete_words daemoniker "$sub" -)
    [[ $got == "$wanted" ]] || { echo "$sub: --help has [$(paste -sd' ' <<<"$wanted")], the completion [$(paste -sd' ' <<<"$got")]"; bad=1; }
  done
  return "$bad"
}
report=$(check_flags) || fail "the completion's flags differ from --help:"$'\n'"$report"

# A flag takes a value in the completion (no flags offered after it) exactly when --help shows a
# type after it ("--pidfile TEXT", "--keep-fd INT ...").
for sub in $subcommands; do
  while read -r flag type; do
    [[ $flag == -h,--help ]] && continue
    after=$(complete_words daemoniker "$sub" "$flag" '' | grep -c -- '^-')
    if [[ -n $type && $after -gt 0 ]]; then
      fail "'daemoniker $sub $flag <TAB>' offers flags, but $flag takes a value ($type)"
    elif [[ -z $type && $after -eq 0 ]]; then
      fail "'daemoniker $sub $flag <TAB>' offers no flags, but $flag takes no value"
    fi
  done < <("$cli" "$sub" --help | grep -E '^  -' | sed -E 's/^ +([^ ]+) ?([A-Z]*).*/\1 \2/')
done

# --detach and --kill-mode: the values --help allows ("--detach TEXT:{auto,always,never}").
for pair in start:--detach stop:--kill-mode restart:--kill-mode; do
  sub=${pair%%:*} flag=${pair#*:}
  allowed=$("$cli" "$sub" --help | sed -nE "s/^  $flag [A-Z]+:\\{([^}]*)\\}.*/\\1/p" | tr ',' ' ')
  [[ -n $allowed ]] || fail "'$sub --help' shows no values for $flag"
  expect "$allowed" daemoniker "$sub" "$flag" ''
done

# Every signal name offered is accepted: signalling a daemon that is not running fails with 1
# (no such daemon), never 2 (not a signal).
for name in $(complete_words daemoniker signal --pidfile p ''); do
  "$cli" signal --pidfile "$work/none.pid" "$name" >/dev/null 2>&1
  status=$?
  ((status == 1)) || fail "daemoniker signal ... $name exits $status: the command does not take it"
done

# The drift check catches a flag missing from the completion.
sed 's/ --group --chroot/ --group/' "$script" >"$work/stale-completion"
cmp -s "$script" "$work/stale-completion" && fail "could not remove --chroot from a copy of the completion"
# shellcheck source=/dev/null
source "$work/stale-completion"
report=$(check_flags) && fail "a completion without --chroot passed the drift check"
[[ $report == *"start: --help has"* && $report == *"restart: --help has"* ]] ||
  fail "the drift report does not name start and restart: $report"

if ((failures > 0)); then
  echo "completion_test: $failures failure(s)" >&2
  exit 1
fi
echo "completion_test: the completion matches every --help"
