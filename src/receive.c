/*
 * huskyhook-receive: the webhook endpoint. Started by a FastCGI server
 * (its listening socket on standard input), it serves requests in
 * HUSKYHOOK_FCGI_THREADS threads of one process, each accepting on the
 * socket with libfcgi's FCGX_Accept_r and holding a receiver of its own
 * (config, keys, open spool): no lock is taken on the request path, and a
 * SIGKILL takes the whole receiver down, so the server restarts it as
 * any FastCGI program. Started otherwise it is a plain CGI program that
 * answers its one request. All decisions about a request are in
 * request.c; this file moves bytes between the server and it, keeps the
 * clock on the peer (RECEIVE_IDLE_SEC, RECEIVE_READ_BUDGET_SEC), and takes
 * the config path from the process's own environment, once.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <sys/un.h>
#include <sys/stat.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "bounds.h"
#include "config.h"
#include "io.h"
#include "kick.h"
#include "log.h"
#include "request.h"
#include "text.h"

/* The config path, fixed before the first request, and where it came
 * from, for the log. */
static const char *receive_config;
static const char *receive_config_from;
/* Set once a request's HUSKYHOOK_CONFIG has been logged as ignored. */
static int receive_config_param_noted;
/* FCGI_WEB_SERVER_ADDRS: the IPv4 addresses a FastCGI connection over
 * TCP may come from (all if unset), as libfcgi's own accept has it. */
static const char *receive_web_servers;
/* When this process started: a CGI request's budget starts then. */
static long long receive_started_ms;

/* CLOCK_MONOTONIC in milliseconds. */
static long long
receive_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The watcher: one thread that keeps every FastCGI connection's budget.
 * libfcgi reads from the peer with plain blocking read(2)s, several per
 * call when the peer sends a record a byte at a time: in FCGX_Accept_r
 * (the parameters) and in FCGX_GetStr (the body). SO_RCVTIMEO bounds
 * each of them to RECEIVE_IDLE_SEC; the watcher bounds them all. When a
 * connection's budget is spent it shortens the connection's SO_RCVTIMEO
 * to a millisecond: the read in hand ends with the next bytes to come,
 * the one after it at once, and the 408 is written while the peer can
 * still send, so that a web server streaming a slow client's body reads
 * it and passes it on (Apache answers 503 of its own when its writing
 * fails first). RECEIVE_CUT_GRACE_SEC later, if the thread still reads,
 * it shuts the connection down for reading: the read in hand ends then,
 * whatever the peer does. It acts on a descriptor of its own for the
 * connection (a dup), which only the connection's thread closes, after
 * disarming it: never on a number that libfcgi closed and something else
 * may have reused.
 */
static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	int		 waiting;	/* with nothing to watch, until woken */
	int		 lingering;	/* receive_linger threads */
	struct receive_watch {
		int		 fd;		/* -1: nothing watched */
		int		 cut;		/* 1: budget spent, 2: shut */
		long long	 deadline_ms;	/* of the next step */
	} slot[RECEIVE_MAX_THREADS];
} watch = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int
watch_set_timeout(int fd, long msec)
{
	struct timeval tv;

	tv.tv_sec = msec / 1000;
	tv.tv_usec = (msec % 1000) * 1000;
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static void
watch_arm(int slot, int fd)
{
	struct receive_watch *w = &watch.slot[slot];

	pthread_mutex_lock(&watch.lock);
	/* The last request cut after its body was read, on a connection
	 * the server keeps: the next one has the whole idle time again. */
	if (w->cut != 0)
		(void)watch_set_timeout(fd, RECEIVE_IDLE_SEC * 1000L);
	w->fd = fd;
	w->cut = 0;
	w->deadline_ms = receive_now_ms() + RECEIVE_READ_BUDGET_SEC * 1000LL;
	/* Deadlines only grow: a watcher with something to watch already
	 * wakes before this one. */
	if (watch.waiting)
		pthread_cond_signal(&watch.wake);
	pthread_mutex_unlock(&watch.lock);
}

static void
watch_disarm(int slot)
{
	pthread_mutex_lock(&watch.lock);
	watch.slot[slot].fd = -1;
	pthread_mutex_unlock(&watch.lock);
}

static int
watch_was_cut(int slot)
{
	int cut;

	pthread_mutex_lock(&watch.lock);
	cut = watch.slot[slot].cut;
	pthread_mutex_unlock(&watch.lock);
	return cut != 0;
}

static void *
watch_run(void *arg)
{
	struct receive_watch *w;
	struct timespec until;
	long long now, next;
	int i;

	(void)arg;
	pthread_mutex_lock(&watch.lock);
	for (;;) {
		now = receive_now_ms();
		next = -1;
		for (i = 0; i < RECEIVE_MAX_THREADS; i++) {
			w = &watch.slot[i];
			if (w->fd == -1 || w->cut == 2)
				continue;
			if (w->deadline_ms <= now && w->cut == 0) {
				(void)watch_set_timeout(w->fd, 1);
				w->cut = 1;
				w->deadline_ms = now +
				    RECEIVE_CUT_GRACE_SEC * 1000LL;
			} else if (w->deadline_ms <= now) {
				(void)shutdown(w->fd, SHUT_RD);
				w->cut = 2;
				continue;
			}
			if (next == -1 || w->deadline_ms < next)
				next = w->deadline_ms;
		}
		if (next == -1) {
			watch.waiting = 1;
			pthread_cond_wait(&watch.wake, &watch.lock);
			watch.waiting = 0;
			continue;
		}
		until.tv_sec = next / 1000;
		until.tv_nsec = (next % 1000) * 1000000;
		pthread_cond_timedwait(&watch.wake, &watch.lock, &until);
	}
	return NULL;
}

/* Under CGI: the process's own environment and standard input, each
 * read waiting at most RECEIVE_IDLE_SEC and all of them
 * RECEIVE_READ_BUDGET_SEC from the start. */
static const char *
receive_cgi_param(void *arg, const char *name)
{
	(void)arg;
	return getenv(name);
}

static ssize_t
receive_cgi_read(void *arg, void *buf, size_t n)
{
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	long long left;
	int wait, rc;

	(void)arg;
	left = receive_started_ms + RECEIVE_READ_BUDGET_SEC * 1000LL -
	    receive_now_ms();
	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	wait = left < RECEIVE_IDLE_SEC * 1000LL ? (int)left :
	    RECEIVE_IDLE_SEC * 1000;
	if ((rc = poll(&pfd, 1, wait)) == -1)
		return -1;
	if (rc == 0) {
		errno = wait < RECEIVE_IDLE_SEC * 1000 ? ETIMEDOUT : EAGAIN;
		return -1;
	}
	return read(STDIN_FILENO, buf, n);
}

/* Under FastCGI: the request's parameters and stream. */
struct receive_conn {
	FCGX_Request	 req;
	int		 slot;		/* this thread's in watch */
};

static const char *
receive_fcgi_param(void *arg, const char *name)
{
	struct receive_conn *c = arg;

	return FCGX_GetParam(name, c->req.envp);
}

static ssize_t
receive_fcgi_read(void *arg, void *buf, size_t n)
{
	struct receive_conn *c = arg;
	int got, err;

	if (n > INT_MAX)
		n = INT_MAX;
	got = FCGX_GetStr(buf, (int)n, c->req.in);
	if (got == 0 && (err = FCGX_GetError(c->req.in)) != 0) {
		/* Cut by the watcher, the read then ending as if at the
		 * end of the stream; or timed out by SO_RCVTIMEO. */
		if (watch_was_cut(c->slot))
			errno = ETIMEDOUT;
		else if (err == EAGAIN || err == EWOULDBLOCK)
			errno = EAGAIN;
		else
			errno = err > 0 ? err : EIO;
		return -1;
	}
	return got;
}

/* Each line logged while a request is served goes to its FastCGI error
 * stream too: the server's error log then has the reason of a 500
 * whatever this process's stderr is. A record per line: nginx cuts what
 * it logs of one at about 2 KB. */
static void
receive_fcgi_log(void *arg, const char *line, size_t n)
{
	struct receive_conn *c = arg;

	if (FCGX_PutStr(line, (int)n, c->req.err) == (int)n)
		(void)FCGX_FFlush(c->req.err);
}

/*
 * A FastCGI request's HUSKYHOOK_CONFIG is not this receiver's config (a
 * request's parameters are chosen by whoever can reach the socket), but
 * it is what a user writes first in a server's config: one that differs
 * is said to be ignored, once in the process's life.
 */
static void
receive_note_config_param(const struct receive_conn *c)
{
	const char *p = FCGX_GetParam("HUSKYHOOK_CONFIG", c->req.envp);
	char esc[LOG_LINE_BYTES / 2];

	if (p == NULL || strcmp(p, receive_config) == 0 ||
	    __atomic_exchange_n(&receive_config_param_noted, 1,
	    __ATOMIC_RELAXED) != 0)
		return;
	log_msg(LOG_LEVEL_WARN, "ignoring the request parameter "
	    "HUSKYHOOK_CONFIG=%s: a FastCGI receiver's config is %s, %s; set "
	    "it where the receiver is started",
	    log_escape(esc, sizeof esc, p, strlen(p)), receive_config,
	    receive_config_from);
}

/* The answer's header and body, in one buffer; its length, or -1. */
static int
receive_format(const struct response *resp, char *out, size_t n)
{
	int k;

	k = snprintf(out, n,
	    "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Length: %zu\r\n"
	    "%s",
	    resp->status, response_status_text(resp->status),
	    strlen(resp->body), resp->allow_post ? "Allow: POST\r\n" : "");
	if (k > 0 && resp->retry_after_sec > 0 && (size_t)k < n)
		k += snprintf(out + k, n - (size_t)k, "Retry-After: %d\r\n",
		    resp->retry_after_sec);
	if (k > 0 && (size_t)k < n)
		k += snprintf(out + k, n - (size_t)k, "\r\n%s", resp->body);
	return k < 0 || (size_t)k >= n ? -1 : k;
}

/* A program started with fd 0, 1 or 2 closed would later hand out that
 * number for a spool file, and a stray write could land in an event. */
static void
receive_sanitize_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1)
			_exit(111);
}

/* Outside a request: plain fds. */
static int
receive_usage(const char *arg)
{
	if (strcmp(arg, "--version") == 0) {
		dprintf(STDOUT_FILENO, "huskyhook-receive %s\n", PACKAGE_VERSION);
		return 0;
	}
	dprintf(strcmp(arg, "--help") == 0 ? STDOUT_FILENO : STDERR_FILENO,
	    "usage: huskyhook-receive\n"
	    "A CGI or FastCGI program, started by the web server; its config\n"
	    "comes from HUSKYHOOK_CONFIG (default %s).\n",
	    SYSCONFDIR "/huskyhook.conf");
	return strcmp(arg, "--help") == 0 ? 0 : 2;
}

/* 1 if FCGI_WEB_SERVER_ADDRS is unset or empty, the peer is not IPv4,
 * or its address is one of the list's (comma-separated). */
static int
receive_peer_is_allowed(const struct sockaddr_in *peer)
{
	char one[INET_ADDRSTRLEN];
	const char *p, *end;
	struct in_addr a;
	size_t n;

	if (receive_web_servers == NULL || *receive_web_servers == '\0' ||
	    peer->sin_family != AF_INET)
		return 1;
	for (p = receive_web_servers;; p = end + 1) {
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			if (inet_pton(AF_INET, one, &a) == 1 &&
			    a.s_addr == peer->sin_addr.s_addr)
				return 1;
		}
		if (end == NULL)
			return 0;
	}
}

/* Who is at the other end of a connection, for the log: an address,
 * or a Unix socket's peer's uid and pid. */
static void
receive_peer_name(int fd, const struct sockaddr *sa, char *buf, size_t n)
{
	const void *addr = NULL;
	struct ucred cred;
	socklen_t len = sizeof cred;

	snprintf(buf, n, "an unknown peer");
	if (sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr;
	if (addr != NULL)
		(void)inet_ntop(sa->sa_family, addr, buf, (socklen_t)n);
	else if (sa->sa_family == AF_UNIX && getsockopt(fd, SOL_SOCKET,
	    SO_PEERCRED, &cred, &len) == 0)
		snprintf(buf, n, "uid %u pid %d", (unsigned)cred.uid,
		    (int)cred.pid);
}

/* A connection's peer, as accept(2) gave it. */
union receive_peer {
	struct sockaddr		sa;
	struct sockaddr_in	in;
	struct sockaddr_storage	ss;
};

/* The next connection on the server's socket (our standard input,
 * FCGI_LISTENSOCK_FILENO), its reads and writes bounded by
 * RECEIVE_IDLE_SEC, its peer in *peer (named only if it is logged);
 * -1 if the socket cannot be accepted on. */
static int
receive_accept(union receive_peer *peer)
{
	struct timeval idle = { RECEIVE_IDLE_SEC, 0 };
	socklen_t len;
	int fd, one = 1;

	for (;;) {
		len = sizeof *peer;
		memset(peer, 0, sizeof *peer);
		if ((fd = accept4(STDIN_FILENO, &peer->sa, &len,
		    SOCK_CLOEXEC)) == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
			case EPERM:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				log_msg(LOG_LEVEL_ERR, "cannot accept a "
				    "connection: %s", strerror(errno));
				sleep(1);
				continue;
			default:
				return -1;
			}
		}
		if (!receive_peer_is_allowed(&peer->in)) {
			close(fd);
			continue;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle,
		    sizeof idle) == -1 || setsockopt(fd, SOL_SOCKET,
		    SO_SNDTIMEO, &idle, sizeof idle) == -1) {
			log_msg(LOG_LEVEL_ERR, "cannot set a connection's "
			    "timeouts: %s", strerror(errno));
			close(fd);
			continue;
		}
		/* Small answers, each in one piece: no Nagle delay. */
		if (peer->sa.sa_family == AF_INET ||
		    peer->sa.sa_family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
		return fd;
	}
}

/* Closes a connection: the end of our writing shown to the peer, then
 * what it still sends read and dropped until it closes too, or for
 * linger_sec at most (libfcgi's own close reads for as long as the peer
 * keeps sending). */
static void
receive_close(int fd, int linger_sec)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	long long end, left;
	char trash[4096];

	if (shutdown(fd, SHUT_WR) == 0) {
		end = receive_now_ms() + linger_sec * 1000LL;
		while ((left = end - receive_now_ms()) > 0 &&
		    poll(&pfd, 1, (int)left) > 0 &&
		    read(fd, trash, sizeof trash) > 0)
			;
	}
	close(fd);
}

static void *
receive_linger(void *arg)
{
	receive_close((int)(intptr_t)arg, RECEIVE_CUT_LINGER_SEC);
	pthread_mutex_lock(&watch.lock);
	watch.lingering--;
	pthread_mutex_unlock(&watch.lock);
	return NULL;
}

/* Closes a connection answered 408: a web server that streams a slow
 * client's body reads the answer only when it is done writing what it
 * has, so the connection stays open for RECEIVE_CUT_LINGER_SEC, in a
 * thread of its own. There are few: each 408 took a serving thread
 * RECEIVE_IDLE_SEC at least. */
static void
receive_close_cut(int fd)
{
	pthread_attr_t attr;
	pthread_t t;
	int started = 0;

	pthread_mutex_lock(&watch.lock);
	if (watch.lingering < RECEIVE_MAX_THREADS &&
	    pthread_attr_init(&attr) == 0) {
		(void)pthread_attr_setdetachstate(&attr,
		    PTHREAD_CREATE_DETACHED);
		(void)pthread_attr_setstacksize(&attr, 65536);
		if (pthread_create(&t, &attr, receive_linger,
		    (void *)(intptr_t)fd) == 0) {
			watch.lingering++;
			started = 1;
		}
		pthread_attr_destroy(&attr);
	}
	pthread_mutex_unlock(&watch.lock);
	if (!started)
		receive_close(fd, RECEIVE_LINGER_SEC);
}

/*
 * One thread: accepts connections on the server's socket and answers
 * their requests, with a receiver of its own. Returns only if accepting
 * fails.
 *
 * libfcgi 2.4 has no call to hand it a connection accepted elsewhere,
 * and its own accept reads the request with no deadline, so the thread
 * accepts and gives libfcgi the descriptor the way FCGX_Accept_r leaves
 * a kept connection: ipcFd set and keepConnection on, so that it reads
 * the next request from it. The request's listening socket is -1: when
 * the connection fails before a whole request, libfcgi closes it and
 * returns an error instead of accepting on its own. FCGX_Detach makes its
 * close a plain close(2); receive_close, on this thread's own descriptor
 * of the connection, does the rest.
 */
static void *
receive_serve(void *arg)
{
	char answer[RESPONSE_BYTES];
	struct request_io io = { receive_fcgi_param, receive_fcgi_read, NULL,
	    1 };
	char name[INET6_ADDRSTRLEN + 64];
	union receive_peer peer;
	struct receive_conn conn;
	struct response resp;
	struct receiver *r;
	int n, rc, fd, mine = -1;

	conn.slot = (int)(intptr_t)arg;
	if ((r = receiver_new(receive_config)) == NULL ||
	    FCGX_InitRequest(&conn.req, -1, 0) != 0) {
		log_msg(LOG_LEVEL_ERR, "out of memory");
		receiver_free(r);
		return NULL;
	}
	io.arg = &conn;
	for (;;) {
		if (mine == -1) {
			/* Every thread waits in accept(2) at once, with no
			 * lock of ours around it (libfcgi's threaded example
			 * has one, for systems that wake every waiter): Linux
			 * wakes one waiter per connection. */
			if ((fd = receive_accept(&peer)) == -1)
				break;
			if ((mine = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1) {
				log_msg(LOG_LEVEL_ERR, "cannot accept a "
				    "connection: %s", strerror(errno));
				close(fd);
				continue;
			}
			conn.req.ipcFd = fd;
			conn.req.keepConnection = 1;
			(void)FCGX_Detach(&conn.req);
		}
		watch_arm(conn.slot, mine);
		rc = FCGX_Accept_r(&conn.req);
		if (rc < 0) {
			/* libfcgi closed its descriptor: the peer closed, sent
			 * nothing for RECEIVE_IDLE_SEC (a kept connection with
			 * no next request, often), sent what is not FastCGI,
			 * or ran out of budget. */
			if (watch_was_cut(conn.slot)) {
				receive_peer_name(mine, &peer.sa, name,
				    sizeof name);
				log_msg(LOG_LEVEL_WARN, "closed a FastCGI "
				    "connection from %s that sent no whole "
				    "request in %d s", name,
				    RECEIVE_READ_BUDGET_SEC);
			}
			watch_disarm(conn.slot);
			close(mine);	/* nothing answered: no linger */
			mine = -1;
			continue;
		}
		log_set_thread_sink(receive_fcgi_log, &conn);
		receive_note_config_param(&conn);
		receiver_handle(r, &io, &resp);
		log_set_thread_sink(NULL, NULL);
		/* A commit is never cut: its body is in already. */
		watch_disarm(conn.slot);
		if ((n = receive_format(&resp, answer, sizeof answer)) > 0)
			FCGX_PutStr(answer, n, conn.req.out);
		/* A connection is kept for more requests (FCGI_KEEP_CONN) only
		 * after one that showed the secret: a peer without it could
		 * otherwise send a small refused request every few seconds and
		 * hold this thread for good, each request within its
		 * deadlines. */
		if (resp.status != 200)
			conn.req.keepConnection = 0;
		FCGX_Finish_r(&conn.req);
		if (conn.req.ipcFd < 0) {
			if (resp.status == 408)
				receive_close_cut(mine);
			else
				receive_close(mine, RECEIVE_LINGER_SEC);
			mine = -1;
		}
		/* The answer is complete: a kick never delays it. */
		if (resp.stored)
			kick_run(receiver_config(r), receiver_current_spool(r));
	}
	receiver_free(r);
	return NULL;
}

/* The number of threads asked for, or the default. */
static int
receive_threads(void)
{
	const char *s = getenv("HUSKYHOOK_FCGI_THREADS");
	char *end;
	long n;

	if (s == NULL || *s == '\0')
		return RECEIVE_THREADS_DEFAULT;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 1 || n > RECEIVE_MAX_THREADS) {
		log_msg(LOG_LEVEL_ERR, "HUSKYHOOK_FCGI_THREADS=%s is not a "
		    "number from 1 to %d; using %d", s, RECEIVE_MAX_THREADS,
		    RECEIVE_THREADS_DEFAULT);
		return RECEIVE_THREADS_DEFAULT;
	}
	return (int)n;
}

/* One CGI request: this process's environment, stdin and stdout. */
static int
receive_cgi(void)
{
	struct request_io io = { receive_cgi_param, receive_cgi_read, NULL, 0 };
	char answer[RESPONSE_BYTES];
	struct response resp;
	struct receiver *r;
	int n, fd;

	if ((r = receiver_new(receive_config)) == NULL) {
		log_msg(LOG_LEVEL_ERR, "out of memory");
		return 111;
	}
	receiver_handle(r, &io, &resp);
	if ((n = receive_format(&resp, answer, sizeof answer)) > 0)
		(void)io_write_all(STDOUT_FILENO, answer, (size_t)n);
	if (resp.stored && receiver_config(r) != NULL &&
	    receiver_config(r)->kick) {
		/* Our standard output, the web server's pipe, closed (pointed
		 * at /dev/null): the answer is complete before the kick. */
		if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
		kick_run(receiver_config(r), receiver_current_spool(r));
	}
	receiver_free(r);
	return 0;
}

/*
 * A FastCGI socket in a directory every user may write (/tmp) can be
 * bound by any local user before the web server starts a receiver, and
 * lighttpd, finding something that answers there, starts none: that user
 * would be answering HuskyVoice and keeping every webhook. Said once at
 * start, in the log the server keeps.
 */
static void
receive_check_socket_dir(void)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof sun;
	char dir[sizeof sun.sun_path + 1], err[MESSAGE_BYTES];
	struct config cfg;
	struct stat st;
	size_t n;

	memset(&sun, 0, sizeof sun);
	if (getsockname(STDIN_FILENO, (struct sockaddr *)&sun, &len) == -1 ||
	    sun.sun_family != AF_UNIX ||
	    len <= offsetof(struct sockaddr_un, sun_path) ||
	    sun.sun_path[0] == '\0')
		return;		/* not a named Unix socket */
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof sun.sun_path)
		n = sizeof sun.sun_path;
	snprintf(dir, sizeof dir, "%.*s", (int)n, sun.sun_path);
	if (!text_path_up(dir))
		return;
	if (stat(dir, &st) != 0 || (st.st_mode & S_IWOTH) == 0)
		return;
	/* Where the requests will log: a spawner's stderr is often
	 * /dev/null. */
	if (config_load(receive_config, &cfg, err, sizeof err) == 0) {
		(void)log_set_target(cfg.log);
		config_free(&cfg);
	}
	log_msg(LOG_LEVEL_WARN, "the FastCGI socket is in %s, which every "
	    "user may write: another local user can bind its name first and "
	    "answer in this receiver's place; put it in a directory only the "
	    "web server's user may write (see huskyhook-receive(8))", dir);
}

/*
 * A receiver started as root on a layout another user owns (a spawner's
 * line pasted in a root shell) would store root-owned files the owner's
 * run cannot read: it answers 200, and the event is never run. Refused
 * at start, saying so on stderr (the spawner's terminal; not in the
 * config's log, which root would make root's). 0, or -1 to exit.
 */
static int
receive_check_root(void)
{
	struct stat st;

	if (geteuid() != 0 || stat(receive_config, &st) == -1 ||
	    st.st_uid == 0)
		return 0;
	fprintf(stderr, "huskyhook-receive: started as root, but %s is "
	    "uid %ld's: start it as that user (spawn-fcgi -u USER -U "
	    "USER), or the events it stores are root's and no run of that "
	    "user's can read them\n", receive_config, (long)st.st_uid);
	return -1;
}

int
main(int argc, char **argv)
{
	pthread_t tids[RECEIVE_MAX_THREADS], watcher;
	pthread_condattr_t ca;
	int i, n, started = 0;

	receive_started_ms = receive_now_ms();
	receive_sanitize_fds();
	/* A file size limit or a closed connection must surface as an error
	 * from write(2), answered 503 or ignored, not kill us mid-commit. */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	log_init("huskyhook-receive");
	/* A web server may pass words of a query string as arguments, so
	 * options count only outside a request. */
	if (argc > 1 && getenv("GATEWAY_INTERFACE") == NULL &&
	    getenv("FCGI_ROLE") == NULL)
		return receive_usage(argv[1]);

	/* The config path is the process's own, read before any request:
	 * a FastCGI request's parameters are chosen by whoever can reach
	 * the socket, and never consulted for it. */
	receive_config = getenv("HUSKYHOOK_CONFIG");
	receive_config_from = "from HUSKYHOOK_CONFIG in its environment";
	if (receive_config == NULL || *receive_config == '\0') {
		receive_config = SYSCONFDIR "/huskyhook.conf";
		receive_config_from = "the default, as its environment has no "
		    "HUSKYHOOK_CONFIG";
	}
	if (FCGX_IsCGI())
		return receive_cgi();
	if (FCGX_Init() != 0) {
		log_msg(LOG_LEVEL_ERR, "cannot set up FastCGI");
		return 111;
	}
	if (receive_check_root() == -1)
		return 111;
	receive_check_socket_dir();
	/* libfcgi catches SIGTERM and SIGUSR1 to finish the request in
	 * hand, but threads waiting in accept(2) never look: the server
	 * stopping the receiver would wait for nothing. A commit cut short
	 * leaves nothing half-made, so these simply end the process. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	receive_web_servers = getenv("FCGI_WEB_SERVER_ADDRS");
	for (i = 0; i < RECEIVE_MAX_THREADS; i++)
		watch.slot[i].fd = -1;
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&watch.wake, &ca) != 0 ||
	    (errno = pthread_create(&watcher, NULL, watch_run, NULL)) != 0) {
		log_msg(LOG_LEVEL_ERR, "cannot start the thread that keeps "
		    "the deadlines: %s", strerror(errno));
		return 111;
	}
	n = receive_threads();
	for (i = 1; i < n; i++)
		if ((errno = pthread_create(&tids[started], NULL,
		    receive_serve, (void *)(intptr_t)i)) == 0)
			started++;
		else
			log_msg(LOG_LEVEL_ERR, "cannot start a thread: %s",
			    strerror(errno));
	receive_serve((void *)(intptr_t)0);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
