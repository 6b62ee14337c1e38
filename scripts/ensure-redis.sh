#!/usr/bin/env bash
# Cluster tests start a real redis-server (Debian's package); install it when missing (root only).
# Only the binary is used: the tests run their own servers on free ports, so the package's service is not needed.
bin="${REDIS_SERVER:-/usr/bin/redis-server}"
[ -x "$bin" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's redis-server for the cluster tests..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server) \
    >/tmp/ensure-redis.log 2>&1 || { tail -20 /tmp/ensure-redis.log >&2; exit 1; }
  # The package starts a system service on 6379 where an init system runs; the tests never use it.
else
  echo "redis-server is missing: run 'sudo apt-get install -y redis-server' (the cluster tests need $bin)" >&2
  exit 1
fi
