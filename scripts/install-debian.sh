#!/usr/bin/env bash
# install-debian.sh PACKAGE...: installs the Debian packages among those named
# that are not installed yet (apt-get, as root or through sudo), so that the
# test scripts work on a fresh machine and cost nothing on a ready one.
set -euo pipefail
missing=()
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$pkg")
	fi
done
((${#missing[@]})) || exit 0
echo "== apt-get install ${missing[*]}"
command -v apt-get >/dev/null 2>&1 || { echo "install-debian.sh: apt-get not found; install ${missing[*]} (Debian 12 packages)" >&2; exit 1; }
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
