// SPDX-License-Identifier: GPL-2.0
/*
 * mb-poll: the userspace reference of the Modbus benchmarks. One libmodbus
 * RTU master reads two input registers (from register 1, as the XY-MD02
 * driver does) from each slave in turn, as fast as it can: no sleep
 * between polls.
 *
 *   mb-poll [--de GPIOCHIP:LINE] DEVICE BAUD POLLS ADDR...
 *
 * With --de, an RS485 transceiver's driver enable on a GPIO line is driven
 * the way libmodbus users do it: through libmodbus's RTS hook (set, write,
 * sleep for the frame's time as libmodbus computes it, clear), here on the
 * GPIO character device.
 *
 * Prints one line, "MBPOLL polls=N errors=E secs=S", and exits 0 when
 * every poll was answered.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <modbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int de_fd = -1;

static void de_set(modbus_t *ctx, int on)
{
	struct gpio_v2_line_values v = { .bits = !!on, .mask = 1 };

	(void)ctx;
	if (ioctl(de_fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0)
		perror("mb-poll: DE");
}

/* Request LINE of GPIOCHIP (a path) as an output, low. */
static int de_open(const char *spec)
{
	struct gpio_v2_line_request req;
	char chip[64];
	const char *colon = strrchr(spec, ':');
	int fd;

	if (!colon || (size_t)(colon - spec) >= sizeof(chip))
		return -1;
	memcpy(chip, spec, colon - spec);
	chip[colon - spec] = '\0';
	fd = open(chip, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.offsets[0] = atoi(colon + 1);
	req.num_lines = 1;
	req.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
	snprintf(req.consumer, sizeof(req.consumer), "mb-poll-de");
	if (ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return req.fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned short regs[2];	/* uint16_t, as libmodbus has it */
	long polls, i, errors = 0;
	int nslaves, baud;
	modbus_t *ctx;
	double t0, t1;

	if (argc > 2 && !strcmp(argv[1], "--de")) {
		de_fd = de_open(argv[2]);
		if (de_fd < 0) {
			fprintf(stderr, "mb-poll: DE line %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 5) {
		fprintf(stderr, "usage: mb-poll [--de GPIOCHIP:LINE] DEVICE BAUD POLLS ADDR...\n");
		return 2;
	}
	baud = atoi(argv[2]);
	polls = atol(argv[3]);
	nslaves = argc - 4;
	ctx = modbus_new_rtu(argv[1], baud, 'N', 8, 1);
	if (!ctx) {
		fprintf(stderr, "mb-poll: %s\n", modbus_strerror(errno));
		return 1;
	}
	if (modbus_connect(ctx) < 0) {
		fprintf(stderr, "mb-poll: %s: %s\n", argv[1], modbus_strerror(errno));
		modbus_free(ctx);
		return 1;
	}
	modbus_set_response_timeout(ctx, 1, 0);
	if (de_fd >= 0 &&
	    (modbus_rtu_set_custom_rts(ctx, de_set) < 0 ||
	     modbus_rtu_set_rts(ctx, MODBUS_RTU_RTS_UP) < 0 ||
	     modbus_rtu_set_rts_delay(ctx, 0) < 0)) {
		fprintf(stderr, "mb-poll: RTS hook: %s\n", modbus_strerror(errno));
		return 1;
	}
	t0 = now();
	for (i = 0; i < polls; i++) {
		modbus_set_slave(ctx, atoi(argv[4 + i % nslaves]));
		if (modbus_read_input_registers(ctx, 1, 2, regs) != 2)
			errors++;
	}
	t1 = now();
	printf("MBPOLL polls=%ld errors=%ld secs=%.6f\n", polls, errors, t1 - t0);
	modbus_close(ctx);
	modbus_free(ctx);
	return errors ? 1 : 0;
}
