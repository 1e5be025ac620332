#!/bin/sh
# A short run of tests/stress/crash.sh: 60 receiver kills under load,
# 30 killed runs.
RECEIVER_KILLS=${RECEIVER_KILLS:-60}
LOAD_CONNS=${LOAD_CONNS:-1}
RUN_KILLS=${RUN_KILLS:-30}
export RECEIVER_KILLS RUN_KILLS LOAD_CONNS
exec sh "${top_srcdir:-.}/tests/stress/crash.sh"
