#!/bin/sh
# OCI runtime installed by kube-claims' host preparation as Docker's default runtime, only on hosts
# whose capability bounding set lacks capabilities Docker grants to --privileged containers.
# It removes those capabilities from the container's config.json (create/run) or the process
# file (exec), then hands over to runc. It is shell because dockerd runs it on every container
# start, outside the project's Node.js; it needs only jq.
MISSING='@MISSING_CAPS@'
strip() { # $1 = JSON file, $2 = jq path to the capabilities object
  [ -f "$1" ] || return 0
  tmp="$1.capshim.$$"
  jq --argjson m "$MISSING" "if $2 then $2 |= with_entries(.value |= (if type == \"array\" then map(select(. as \$c | \$m | index(\$c) | not)) else . end)) else . end" "$1" > "$tmp" && mv "$tmp" "$1"
}
cmd=""; bundle="."; process=""; prev=""
for a in "$@"; do
  case "$prev" in
    --bundle|-b) bundle="$a" ;;
    --process|-p) process="$a" ;;
  esac
  case "$a" in
    --bundle=*) bundle="${a#--bundle=}" ;;
    --process=*) process="${a#--process=}" ;;
    create|run|exec) [ -z "$cmd" ] && cmd="$a" ;;
  esac
  prev="$a"
done
case "$cmd" in
  create|run) strip "$bundle/config.json" '.process.capabilities' ;;
  exec) [ -n "$process" ] && strip "$process" '.capabilities' ;;
esac
exec runc "$@"
