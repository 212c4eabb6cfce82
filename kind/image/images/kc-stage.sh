#!/bin/sh
# kc-stage DEST [--package PKG ...] [FILE ...]
# Copies into DEST what a distroless image needs of Debian: every file of each PACKAGE (dpkg -L,
# without documentation) and each FILE, with the shared libraries each ELF program loads (ldd),
# keeping paths and symlinks. The recipe's own take on kubernetes/release's
# stage-binaries-from-package.sh and stage-binary-and-deps.sh (distroless-iptables).
set -eu
dest=$1; shift
mkdir -p "$dest"
copy() { # $1 = absolute path: the file, and every symlink on the way to its target
  p=$1
  while [ -n "$p" ]; do
    [ -e "$dest$p" ] || [ -L "$dest$p" ] && return 0
    cp -a --parents "$p" "$dest"
    if [ -L "$p" ]; then
      t=$(readlink "$p")
      case "$t" in /*) p=$t ;; *) p=$(dirname "$p")/$t ;; esac
    else
      p=
    fi
  done
}
libs() { # the shared libraries of an ELF file, and its loader
  ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\s*\(\/[^ ]*\) (.*/\1/p'
}
stage() {
  [ -d "$1" ] && [ ! -L "$1" ] && { mkdir -p "$dest$1"; return 0; }
  copy "$1"
  if [ -f "$1" ] && head -c 4 "$1" | grep -q ELF; then
    for l in $(libs "$1"); do copy "$l"; done
  fi
}
while [ $# -gt 0 ]; do
  if [ "$1" = --package ]; then
    for f in $(dpkg -L "$2" | grep -v -e '^/usr/share/doc' -e '^/usr/share/man' -e '^/usr/share/lintian' -e '^/\.$'); do
      [ -e "$f" ] || [ -L "$f" ] || continue
      stage "$f"
    done
    shift 2
  else
    stage "$1"; shift
  fi
done
