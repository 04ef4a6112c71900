#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

char *run_capture(char *const argv[], size_t max_bytes, int *exit_status)
{
	*exit_status = -1;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);   /* dup2's copy is not close-on-exec */
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 4096, n = 0;
	char *out = xmalloc(cap), drop[4096];
	for (;;) {
		int keep = n < max_bytes;
		size_t room = keep ? (max_bytes - n < cap - n - 1 ? max_bytes - n : cap - n - 1) : sizeof drop;
		ssize_t got = read(fds[0], keep ? out + n : drop, room);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (!keep)
			continue;
		if ((n += (size_t)got) == cap - 1)
			out = xrealloc(out, cap *= 2);
	}
	out[n] = '\0';
	close(fds[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			free(out);
			return NULL;
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127) {
		free(out);
		return NULL;
	}
	*exit_status = WEXITSTATUS(st);
	return out;
}
