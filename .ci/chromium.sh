# shellcheck shell=bash
# Sourced by .ci/run: installs Debian's chromium, the headless browser of the
# passkey tests (internal/browsertest and examples/basic drive it over the
# DevTools protocol with its virtual authenticator; with USERSAUTH_CI=1 they
# fail without it). Screenshots of those tests go to $USERSAUTH_SCREENSHOTS,
# outside the clone, for CI to keep as artefacts.

if ! command -v chromium >/dev/null 2>&1; then
	echo "== installing chromium"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
export USERSAUTH_SCREENSHOTS="${USERSAUTH_SCREENSHOTS:-${RUNNER_TEMP:-/tmp}/usersauth-screenshots}"
