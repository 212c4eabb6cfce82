#!/bin/sh
# /usr/sbin/iptables-wrapper of the offline kube-proxy image. iptables, iptables-save,
# iptables-restore and their ip6tables forms start as links to it; on first use it decides, like
# upstream's distroless-iptables (kubernetes-sigs/iptables-wrappers), whether this host's rules are
# kept with iptables-legacy or iptables-nft, points those links at that mode and runs the command.
# kubelet marks its mode with the KUBE-IPTABLES-HINT chain in the mangle table; without it, the
# mode holding more rules wins. Written for kube-claims: that module is not on the Go module proxy.
set -eu
mode=
for m in nft legacy; do
  if { "xtables-$m-multi" iptables-save -t mangle; "xtables-$m-multi" ip6tables-save -t mangle; } 2>/dev/null | grep -q KUBE-IPTABLES-HINT; then
    mode=$m; break
  fi
done
if [ -z "$mode" ]; then
  legacy=$({ xtables-legacy-multi iptables-save; xtables-legacy-multi ip6tables-save; } 2>/dev/null | grep -c '^-' || true)
  nft=$({ xtables-nft-multi iptables-save; xtables-nft-multi ip6tables-save; } 2>/dev/null | grep -c '^-' || true)
  if [ "$legacy" -gt "$nft" ]; then mode=legacy; else mode=nft; fi
fi
for cmd in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -sf "xtables-$mode-multi" "/usr/sbin/$cmd"
done
exec "/usr/sbin/${0##*/}" "$@"
