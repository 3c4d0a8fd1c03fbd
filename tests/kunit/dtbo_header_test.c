// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for dtbo-configfs's header check: a blob is taken only when
 * its header is a version-17 flattened tree header whose total size is the
 * blob's and whose blocks lie inside it. A million fuzzed headers (valid
 * ones mutated, 32-bit fields set to extreme values, random bytes) must get
 * the verdict that the rules, computed again without 32-bit wrap-around,
 * give.
 */

#include <kunit/test.h>
#include <linux/libfdt.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "dtbo_header.h"

#define DHT_FUZZ_INPUTS		1000000U
#define DHT_BODY_MAX		256
#define DHT_BUF			(sizeof(struct fdt_header) + DHT_BODY_MAX)

/* The classes of verdict, by the first words of the check's message. */
enum dht_verdict {
	DHT_OK,
	DHT_SHORT,
	DHT_MAGIC,
	DHT_VERSION,
	DHT_SIZE,
	DHT_BLOCKS,
	DHT_NR
};

static const char * const dht_words[DHT_NR] = {
	[DHT_SHORT] = "shorter",
	[DHT_MAGIC] = "bad magic",
	[DHT_VERSION] = "unsupported version",
	[DHT_SIZE] = "size differs",
	[DHT_BLOCKS] = "blocks beyond",
};

static u32 dht_field(const u8 *buf, unsigned int word)
{
	return get_unaligned_be32(buf + 4 * word);
}

static void dht_set(u8 *buf, unsigned int word, u32 v)
{
	put_unaligned_be32(v, buf + 4 * word);
}

/* Words of the header, in order (struct fdt_header). */
enum { W_MAGIC, W_TOTAL, W_OFF_STRUCT, W_OFF_STRINGS, W_OFF_RSV, W_VERSION,
	W_LAST_COMP, W_CPU, W_SIZE_STRINGS, W_SIZE_STRUCT, W_WORDS };

/* The rules, in 64-bit arithmetic. */
static enum dht_verdict dht_oracle(const u8 *buf, size_t size)
{
	if (size < sizeof(struct fdt_header))
		return DHT_SHORT;
	if (dht_field(buf, W_MAGIC) != FDT_MAGIC)
		return DHT_MAGIC;
	if (dht_field(buf, W_VERSION) < 17 || dht_field(buf, W_LAST_COMP) > 17)
		return DHT_VERSION;
	if (dht_field(buf, W_TOTAL) != size)
		return DHT_SIZE;
	if ((u64)dht_field(buf, W_OFF_STRUCT) + dht_field(buf, W_SIZE_STRUCT) > size ||
	    (u64)dht_field(buf, W_OFF_STRINGS) + dht_field(buf, W_SIZE_STRINGS) > size)
		return DHT_BLOCKS;
	return DHT_OK;
}

static enum dht_verdict dht_classify(const char *why)
{
	enum dht_verdict v;

	if (!why)
		return DHT_OK;
	for (v = DHT_SHORT; v < DHT_NR; v++)
		if (strstarts(why, dht_words[v]))
			return v;
	return DHT_NR;
}

static u32 dht_rand(struct rnd_state *rs, u32 n)
{
	return prandom_u32_state(rs) % n;
}

/* A valid header for a blob of header + @body bytes, the body random. */
static size_t dht_valid(u8 *buf, size_t body, struct rnd_state *rs)
{
	size_t size = sizeof(struct fdt_header) + body;
	u32 off, len;

	prandom_bytes_state(rs, buf, size);
	dht_set(buf, W_MAGIC, FDT_MAGIC);
	dht_set(buf, W_TOTAL, size);
	dht_set(buf, W_VERSION, 17 + dht_rand(rs, 2));
	dht_set(buf, W_LAST_COMP, 16 + dht_rand(rs, 2));
	dht_set(buf, W_OFF_RSV, sizeof(struct fdt_header));
	off = sizeof(struct fdt_header) + dht_rand(rs, body + 1);
	len = dht_rand(rs, size - off + 1);
	dht_set(buf, W_OFF_STRUCT, off);
	dht_set(buf, W_SIZE_STRUCT, len);
	off = sizeof(struct fdt_header) + dht_rand(rs, body + 1);
	len = dht_rand(rs, size - off + 1);
	dht_set(buf, W_OFF_STRINGS, off);
	dht_set(buf, W_SIZE_STRINGS, len);
	return size;
}

/* A 32-bit value near a limit: where sums wrap and sizes are off by one. */
static u32 dht_extreme(struct rnd_state *rs, size_t size)
{
	switch (dht_rand(rs, 6)) {
	case 0:
		return U32_MAX - dht_rand(rs, 64);
	case 1:
		return 0x80000000U + dht_rand(rs, 3) - 1;
	case 2:
		return size + dht_rand(rs, 3) - 1;
	case 3:
		return 0;
	case 4:
		/* With a small offset, wraps a sum to a small number. */
		return (u32)(0x100000000ULL - dht_rand(rs, size + 1));
	default:
		return dht_rand(rs, 2 * size + 1);
	}
}

static size_t dht_mutate(u8 *buf, size_t size, struct rnd_state *rs)
{
	unsigned int word = dht_rand(rs, W_WORDS);

	switch (dht_rand(rs, 6)) {
	case 0:		/* flip a bit of the header */
		buf[dht_rand(rs, sizeof(struct fdt_header))] ^= BIT(dht_rand(rs, 8));
		break;
	case 1:		/* a field set to a value near a limit */
	case 2:
		dht_set(buf, word, dht_extreme(rs, size));
		break;
	case 3:		/* cut */
		size = dht_rand(rs, size + 1);
		break;
	case 4:		/* longer than the header says */
		size = min_t(size_t, DHT_BUF, size + 1 + dht_rand(rs, 8));
		break;
	default:	/* an offset and a size that wrap when added */
		word = dht_rand(rs, 2);
		dht_set(buf, word ? W_OFF_STRUCT : W_OFF_STRINGS,
			U32_MAX - dht_rand(rs, 16));
		dht_set(buf, word ? W_SIZE_STRUCT : W_SIZE_STRINGS,
			1 + dht_rand(rs, 64));
		break;
	}
	return size;
}

static void dht_valid_accepted(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, DHT_BUF, GFP_KERNEL);
	struct rnd_state rs;
	size_t body, size;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	prandom_seed_state(&rs, 1);
	for (body = 0; body <= DHT_BODY_MAX; body++) {
		size = dht_valid(buf, body, &rs);
		KUNIT_EXPECT_NULL(test, dtbo_check_header(buf, size));
	}
}

/* An offset near 4 GiB plus a small size must not pass as a small sum. */
static void dht_wrapping_block_refused(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, DHT_BUF, GFP_KERNEL);
	struct rnd_state rs;
	size_t size;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	prandom_seed_state(&rs, 2);
	size = dht_valid(buf, 64, &rs);
	dht_set(buf, W_OFF_STRUCT, 0xffffff00U);
	dht_set(buf, W_SIZE_STRUCT, 0x100 + 8);
	KUNIT_EXPECT_EQ(test, dht_classify(dtbo_check_header(buf, size)),
			DHT_BLOCKS);
	size = dht_valid(buf, 64, &rs);
	dht_set(buf, W_OFF_STRINGS, 0x40);
	dht_set(buf, W_SIZE_STRINGS, 0xffffffd0U);
	KUNIT_EXPECT_EQ(test, dht_classify(dtbo_check_header(buf, size)),
			DHT_BLOCKS);
}

static void dht_fuzz(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, DHT_BUF, GFP_KERNEL);
	unsigned int i, n, seen[DHT_NR + 1] = { };
	enum dht_verdict got, want;
	struct rnd_state rs;
	size_t size;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	prandom_seed_state(&rs, 0x6474626f667a7aULL);
	for (i = 0; i < DHT_FUZZ_INPUTS; i++) {
		if (dht_rand(&rs, 8)) {
			size = dht_valid(buf, dht_rand(&rs, DHT_BODY_MAX + 1), &rs);
			n = dht_rand(&rs, 4) ? 1 + dht_rand(&rs, 3) : 0;
			while (n--)
				size = dht_mutate(buf, size, &rs);
		} else {
			size = dht_rand(&rs, DHT_BUF + 1);
			prandom_bytes_state(&rs, buf, size);
			if (size >= 4 && dht_rand(&rs, 2))
				dht_set(buf, W_MAGIC, FDT_MAGIC);
		}
		got = dht_classify(dtbo_check_header(buf, size));
		want = dht_oracle(buf, size);
		seen[got]++;
		if (got != want) {
			KUNIT_FAIL(test,
				   "input %u: verdict %d, the rules say %d (%zu bytes, header %*ph)",
				   i, got, want, size,
				   (int)min(size, sizeof(struct fdt_header)), buf);
			break;
		}
	}
	kunit_info(test, "fuzz: %u inputs: %u accepted, %u short, %u bad magic, %u bad version, %u bad size, %u bad blocks\n",
		   i, seen[DHT_OK], seen[DHT_SHORT], seen[DHT_MAGIC],
		   seen[DHT_VERSION], seen[DHT_SIZE], seen[DHT_BLOCKS]);
	KUNIT_EXPECT_EQ(test, i, DHT_FUZZ_INPUTS);
	/* Every verdict, often, or the inputs prove little. */
	for (got = DHT_OK; got < DHT_NR; got++)
		KUNIT_EXPECT_GT_MSG(test, seen[got], DHT_FUZZ_INPUTS / 1000,
				    "verdict %d", got);
}

static struct kunit_case dht_cases[] = {
	KUNIT_CASE(dht_valid_accepted),
	KUNIT_CASE(dht_wrapping_block_refused),
	KUNIT_CASE_ATTR(dht_fuzz, {.speed = KUNIT_SPEED_VERY_SLOW}),
	{ }
};

static struct kunit_suite dht_suite = {
	.name = "dtbo-header",
	.test_cases = dht_cases,
};

kunit_test_suite(dht_suite);

MODULE_DESCRIPTION("KUnit tests for dtbo-configfs's device tree header check");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
