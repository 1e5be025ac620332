# Sourced by test.sh, demo.sh and .ci/run: installs the Debian packages
# huskyhook needs to build and test, when they are missing and we may.
# shellcheck shell=sh

HUSKYHOOK_PACKAGES="gcc make autoconf automake pkg-config libfcgi-dev \
libjson-c-dev libssl-dev openssl lighttpd curl util-linux mandoc shellcheck \
apache2 libapache2-mod-fcgid spawn-fcgi libfcgi-bin systemd valgrind procps \
glusterfs-server glusterfs-client redis-server apache2-suexec-pristine cron \
dpkg-dev debhelper lintian cmake g++ libfuse3-dev fuse3 libtoml11-dev \
libspdlog-dev libfmt-dev"

install_deps() {
	missing=
	for p in $HUSKYHOOK_PACKAGES "$@"; do
		[ -n "$p" ] || continue
		dpkg -s "$p" > /dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing Debian packages:$missing" >&2
		echo "install them with: sudo apt-get install$missing" >&2
		return 1
	fi
	echo "installing:$missing" >&2
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
	# Debian starts lighttpd on port 80 when it is installed; the demo
	# and the tests run their own, so the system one is left alone.
}
