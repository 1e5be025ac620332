#!/bin/sh
# A short run of tests/stress/soak.sh: 6000 mixed requests through
# lighttpd + FastCGI.
SOAK_REQUESTS=${SOAK_REQUESTS:-6000}
export SOAK_REQUESTS
exec sh "${top_srcdir:-.}/tests/stress/soak.sh"
