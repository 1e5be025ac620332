/*
 * The null FastCGI responder of the benchmark: accepts a request, reads
 * its body, answers 200 with a small JSON body. What any FastCGI program
 * costs behind the same web server; huskyhook-receive's work is the rest.
 */
#include <stdlib.h>

#include <fcgi_stdio.h>

int
main(void)
{
	static char answer[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 16\r\n\r\n{\"status\":\"ok\"}\n";
	static char buf[65536];
	const char *cl;
	long left;
	size_t n;

	while (FCGI_Accept() >= 0) {
		cl = getenv("CONTENT_LENGTH");
		left = cl != NULL ? atol(cl) : 0;
		while (left > 0) {
			n = fread(buf, 1, left < (long)sizeof buf ?
			    (size_t)left : sizeof buf, stdin);
			if (n == 0)
				break;
			left -= (long)n;
		}
		fwrite(answer, 1, sizeof answer - 1, stdout);
	}
	return 0;
}
