#!/bin/sh
# huskyhook.cgi: the receiver as a CGI program in a cgi-bin, with its
# config. `huskyhook init DIR --cgi-bin CGI_BIN` writes it with the real
# paths; by hand, put it in cgi-bin as huskyhook.cgi (mode 755) with the
# config's path edited to the one init made (make install wrote the path
# of the huskyhook-receive it installed). Needed under suexec, which
# drops SetEnv; without suexec it works as well.
export HUSKYHOOK_CONFIG=/home/me/huskyhook/huskyhook.conf
exec @sbindir@/huskyhook-receive
