// SPDX-License-Identifier: GPL-2.0
/*
 * mb-poll: the userspace reference of the Modbus benchmarks. One libmodbus
 * RTU master reads two input registers (from register 1, as the XY-MD02
 * driver does) from each slave in turn, as fast as it can: no sleep
 * between polls.
 *
 *   mb-poll DEVICE BAUD POLLS ADDR...
 *
 * Prints one line, "MBPOLL polls=N errors=E secs=S", and exits 0 when
 * every poll was answered.
 */
#include <errno.h>
#include <modbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

	if (argc < 5) {
		fprintf(stderr, "usage: mb-poll DEVICE BAUD POLLS ADDR...\n");
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
