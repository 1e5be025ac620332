/*
 * The null CGI program of the benchmark: reads the body, answers 200
 * with a small JSON body, linked statically so that starting it costs
 * only what starting any process costs. What any CGI program costs
 * behind the same web server; huskyhook-receive's work is the rest.
 */
#include <stdlib.h>
#include <unistd.h>

int
main(void)
{
	static const char answer[] = "Status: 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"ok\"}\n";
	static char buf[65536];
	const char *cl = getenv("CONTENT_LENGTH");
	long left = cl != NULL ? atol(cl) : 0;
	ssize_t n;

	while (left > 0 && (n = read(STDIN_FILENO, buf, left < (long)sizeof buf ?
	    (size_t)left : sizeof buf)) > 0)
		left -= (long)n;
	return write(STDOUT_FILENO, answer, sizeof answer - 1) ==
	    (ssize_t)(sizeof answer - 1) ? 0 : 1;
}
