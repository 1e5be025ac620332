#!/bin/sh
# huskyhook.cgi: the receiver as a CGI program in a cgi-bin, with its
# config. `huskyhook init DIR --cgi-bin CGI_BIN` writes it with the real
# paths; by hand, put it in cgi-bin as huskyhook.cgi (mode 755) with the
# two paths edited: the config init made, and the huskyhook-receive that
# `make install` put in the prefix's sbin/. Needed under suexec, which
# drops SetEnv; without suexec it works as well.
export HUSKYHOOK_CONFIG=/home/me/huskyhook/huskyhook.conf
exec /home/me/huskyhook-dist/sbin/huskyhook-receive
