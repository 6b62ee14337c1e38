#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it when missing (root only), never a downloaded browser.
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/ensure-chromium.log 2>&1 \
    || { tail -20 /tmp/ensure-chromium.log >&2; exit 1; }
else
  echo "Chromium is missing: run 'sudo apt-get install -y chromium' (the browser tests need /usr/bin/chromium)" >&2
  exit 1
fi
