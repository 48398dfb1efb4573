# shellcheck shell=bash
# Sourced by .ci/run: installs Debian's oathtool, the independent TOTP
# implementation the totp interoperability test checks codes against (the
# test fails in CI without it).

if ! command -v oathtool >/dev/null 2>&1; then
	echo "== installing oathtool"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends oathtool >/dev/null
fi
