#!/bin/sh
# For hosts that run CGI programs under suexec, which drops SetEnv: put
# this in cgi-bin as huskyhook.cgi (mode 755) instead of the binary, with
# the two paths edited.
export HUSKYHOOK_CONFIG=/home/me/huskyhook/huskyhook.conf
exec /home/me/huskyhook/bin/huskyhook-receive
