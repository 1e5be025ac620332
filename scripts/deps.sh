# Sourced by test.sh, demo.sh and .ci/run: installs the Debian packages
# huskyhook needs, when they are missing and we may: `install_deps demo`
# what the demo needs (the build and lighttpd), `install_deps test` what
# the whole test suite needs as well.
# shellcheck shell=sh

HUSKYHOOK_BUILD_PACKAGES="gcc make autoconf automake pkg-config libfcgi-dev \
libjson-c-dev libssl-dev"
HUSKYHOOK_DEMO_PACKAGES="$HUSKYHOOK_BUILD_PACKAGES lighttpd curl"
HUSKYHOOK_TEST_PACKAGES="$HUSKYHOOK_DEMO_PACKAGES openssl util-linux mandoc \
shellcheck apache2 libapache2-mod-fcgid spawn-fcgi libfcgi-bin systemd \
valgrind procps glusterfs-server glusterfs-client redis-server \
apache2-suexec-pristine cron dpkg-dev debhelper lintian cmake g++ \
libfuse3-dev fuse3 libtoml11-dev libspdlog-dev libfmt-dev nginx-light \
fcgiwrap caddy h2o prometheus chromium nodejs apache2-utils"

# install_deps demo|test: the packages of that set that are missing.
install_deps() {
	case $1 in
	demo) wanted=$HUSKYHOOK_DEMO_PACKAGES ;;
	*) wanted=$HUSKYHOOK_TEST_PACKAGES ;;
	esac
	missing=
	for p in $wanted; do
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
