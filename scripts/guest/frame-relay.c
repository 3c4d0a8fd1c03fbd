// SPDX-License-Identifier: GPL-2.0
/*
 * frame-relay: joins a byte stream from the host (a virtio-serial port)
 * to a Modbus tty (modbus-tty's /dev/ttyMBn) for a master on the host
 * (pymodbus on a pty). A stream loses where one write ended, and
 * modbus-tty takes one request a write, so requests are cut out of the
 * stream by their length (function code and byte count) and each goes
 * to the tty whole; answers go back as they come.
 *
 *   frame-relay PORT TTY BAUD
 *
 * Sets TTY raw at BAUD, 8N1. A request with a function code it cannot
 * size, or a write the tty refuses, is reported on standard error and
 * dropped (the master times out, as it would on a wire). Runs until the
 * TTY closes or it is killed; the host may connect and go at any time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define FRAME_MAX 256

/* The length of the request in buf, 0 while unknown, -1 if it cannot be. */
static int request_len(const unsigned char *buf, size_t len)
{
	if (len < 2)
		return 0;
	switch (buf[1]) {
	case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
		return 8;
	case 0x0f: case 0x10:
		return len < 7 ? 0 : 9 + buf[6];
	case 0x17:
		return len < 11 ? 0 : 13 + buf[10];
	default:
		return -1;
	}
}

static speed_t speed_of(long baud)
{
	switch (baud) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	default: return B0;
	}
}

static int open_tty(const char *path, long baud)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY);

	if (fd < 0 || tcgetattr(fd, &t) < 0) {
		perror(path);
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	cfsetspeed(&t, speed_of(baud));
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		perror(path);
		return -1;
	}
	return fd;
}

/* Writes each whole request in buf to the tty; returns what is left. */
static size_t forward_requests(int tty, unsigned char *buf, size_t len)
{
	int want;

	while ((want = request_len(buf, len)) != 0 && (size_t)want <= len) {
		if (want < 0 || want > FRAME_MAX) {
			fprintf(stderr, "frame-relay: function %#x unsized: dropped %zu bytes\n",
				buf[1], len);
			return 0;
		}
		if (write(tty, buf, want) != want)
			fprintf(stderr, "frame-relay: request refused: %s\n", strerror(errno));
		len -= want;
		memmove(buf, buf + want, len);
	}
	return len;
}

int main(int argc, char **argv)
{
	unsigned char req[2 * FRAME_MAX], ans[FRAME_MAX];
	struct pollfd fds[2];
	size_t have = 0;
	ssize_t n;
	int port, tty;

	if (argc != 4 || speed_of(strtol(argv[3], NULL, 10)) == B0) {
		fprintf(stderr, "usage: frame-relay PORT TTY BAUD\n");
		return 2;
	}
	port = open(argv[1], O_RDWR | O_NOCTTY);
	if (port < 0) {
		perror(argv[1]);
		return 1;
	}
	tty = open_tty(argv[2], strtol(argv[3], NULL, 10));
	if (tty < 0)
		return 1;
	fds[0] = (struct pollfd){ .fd = port, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = tty, .events = POLLIN };
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			perror("poll");
			return 1;
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(port, req + have, sizeof(req) - have);
			if (n < 0)
				return 1;
			if (!n) {
				/* The host end is not connected (yet, or again). */
				usleep(100000);
				continue;
			}
			have = forward_requests(tty, req, have + n);
			if (have == sizeof(req))
				have = 0;
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(tty, ans, sizeof(ans));
			if (n <= 0)
				return 0;
			if (write(port, ans, n) != n)
				return 1;
		}
	}
}
