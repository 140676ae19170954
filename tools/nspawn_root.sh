#!/usr/bin/env bash
# Builds the root file system that //tests/systemd boots with systemd-nspawn (real systemd as
# PID 1), and prints its path. Run as root. Idempotent: the tree is cached outside the checkout
# with a stamp file, so a second run only checks the stamp and prints the path.
#
#   bash tools/nspawn_root.sh            # -> /var/cache/daemoniker/nspawn-bookworm
#
# The tree is Debian bookworm, `debootstrap --variant=minbase --include=systemd,dbus,libstdc++6,procps`
# from the mirror apt already uses (/etc/apt/sources.list, /etc/apt/sources.list.d/*): no other
# network access. Tests never modify it (they boot it with --volatile=overlay).
#
# Environment: DAEMONIKER_NSPAWN_ROOT overrides the path; DAEMONIKER_NSPAWN_MIRROR the mirror.
set -euo pipefail
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin  # debootstrap, also under Bazel's strict PATH

suite=bookworm
include=systemd,dbus,libstdc++6,procps  # procps: /bin/kill (ExecReload=), ps
root=${DAEMONIKER_NSPAWN_ROOT:-/var/cache/daemoniker/nspawn-$suite}
stamp=$root.stamp
# What the tree is made of: a different recipe rebuilds it.
recipe="suite=$suite variant=minbase include=$include recipe=2"

say() { printf 'nspawn_root.sh: %s\n' "$*" >&2; }
die() { printf 'nspawn_root.sh: error: %s\n' "$*" >&2; exit 1; }

ready() { [[ -f $stamp && -x $root/lib/systemd/systemd && $(cat "$stamp") == "$recipe" ]]; }

if ready; then
  printf '%s\n' "$root"
  exit 0
fi

[[ $(id -u) -eq 0 ]] || die "building $root needs root (debootstrap); re-run as root."
command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found: install it (bash tools/setup.sh)."

# The Debian mirror apt uses for $suite: deb822 .sources files (URIs:/Suites:) and one-line
# .list files ("deb [options] URI SUITE COMPONENTS...").
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v suite="$suite" '
      function flush() { if (uri != "" && types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ")) { print uri; found = 1; exit } uri = ""; suites = ""; types = "" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:"  { $1 = ""; types = $0 }
      tolower($1) == "uris:"   { uri = $2 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      END { if (!found) flush() }' "$f" | head -n1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
      awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }'
  done
}
mirror=${DAEMONIKER_NSPAWN_MIRROR:-$(find_mirror | head -n1)}
[[ -n $mirror ]] || die "no apt source for '$suite' in /etc/apt/sources.list or /etc/apt/sources.list.d/*: set DAEMONIKER_NSPAWN_MIRROR."

mkdir -p "$(dirname "$root")"
# One builder at a time; the others wait, then find the stamp.
exec 9>"$root.lock"
flock 9
if ready; then
  printf '%s\n' "$root"
  exit 0
fi

tmp=$root.tmp
rm -rf -- "$tmp" "$stamp"
say "building $root from $mirror (debootstrap --variant=minbase --include=$include $suite; a few minutes)"
log=$(dirname "$root")/debootstrap-$suite.log
if ! debootstrap --variant=minbase --include="$include" "$suite" "$tmp" "$mirror" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -rf -- "$tmp"
  die "debootstrap failed (full log: $log)."
fi

# A container image: no machine-id of its own (nspawn provides one), no package caches, and
# nothing started at boot that waits on hardware or the network.
: >"$tmp/etc/machine-id"
rm -f "$tmp/var/lib/dbus/machine-id"
printf '%s\n' "daemoniker-test" >"$tmp/etc/hostname"
rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
for unit in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
  e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer dpkg-db-backup.timer; do
  ln -sf /dev/null "$tmp/etc/systemd/system/$unit"
done

rm -rf -- "$root"
mv -- "$tmp" "$root"
printf '%s\n' "$recipe" >"$stamp"
say "built $root ($(du -sh "$root" | cut -f1))"
printf '%s\n' "$root"
