#!/usr/bin/env bash
# wsh's recording test plays a recording with the asciinema CLI (Debian's package); install it when missing (root only).
command -v asciinema >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's asciinema for wsh's recording test..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends asciinema) \
    >/tmp/ensure-asciinema.log 2>&1 || { tail -20 /tmp/ensure-asciinema.log >&2; exit 1; }
else
  echo "asciinema is missing: run 'sudo apt-get install -y asciinema' (wsh's recording test plays a recording with it)" >&2
  exit 1
fi
