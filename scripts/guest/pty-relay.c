// SPDX-License-Identifier: GPL-2.0
/*
 * pty-relay: a pseudo-terminal pair whose master end is joined to a Unix
 * socket, so that a peer running in the guest (BlueZ's btvirt) sits
 * behind a tty that ldattach can attach a line discipline to.
 *
 *   pty-relay SOCKET LINK
 *   pty-relay - LINK
 *
 * Connects to SOCKET (or takes standard input and output), creates the
 * pair, makes LINK a symbolic link to the slave (/dev/pts/N), prints the
 * slave's path on standard error, and relays bytes both ways until the
 * socket (standard input) closes. The slave may be opened and closed any
 * number of times meanwhile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "pty-relay: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "pty-relay: cannot connect to %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return fd;
}

static int open_pty(const char *link)
{
	struct termios t;
	const char *slave;
	int fd;

	fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	slave = fd < 0 || grantpt(fd) || unlockpt(fd) ? NULL : ptsname(fd);
	if (!slave) {
		fprintf(stderr, "pty-relay: no pseudo-terminal: %s\n",
			strerror(errno));
		return -1;
	}
	/* Raw on the master side: bytes pass unchanged. */
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	unlink(link);
	if (symlink(slave, link)) {
		fprintf(stderr, "pty-relay: cannot link %s: %s\n", link,
			strerror(errno));
		return -1;
	}
	fprintf(stderr, "%s\n", slave);
	return fd;
}

/* Copy what can be read from one end to the other; 0 once it closed. */
static int pass(int from, int to)
{
	char buf[4096];
	ssize_t n, off = 0, w;

	n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR || errno == EIO) ? 1 : 0;
	while (off < n) {
		w = write(to, buf + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EIO)
				return 1;	/* nobody has the slave open */
			return 0;
		}
		off += w;
	}
	return 1;
}

int main(int argc, char **argv)
{
	int in = STDIN_FILENO, out = STDOUT_FILENO, master;
	struct pollfd pfd[2];

	if (argc != 3) {
		fprintf(stderr, "usage: pty-relay SOCKET|- LINK\n");
		return 2;
	}
	if (strcmp(argv[1], "-")) {
		in = connect_unix(argv[1]);
		out = in;
	}
	if (in < 0)
		return 1;
	master = open_pty(argv[2]);
	if (master < 0)
		return 1;
	pfd[0] = (struct pollfd){ .fd = in, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = master, .events = POLLIN };
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP)) && !pass(in, master))
			return 0;
		if (pfd[1].revents & POLLIN)
			pass(master, out);
		else if (pfd[1].revents & POLLHUP)
			usleep(20000);	/* the slave is closed: wait for an opener */
	}
}
