// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for btserdev's Broadcom .hcd check: a file is accepted only
 * if every byte of it would be sent as a well-formed vendor command and
 * it ends with one Launch RAM; anything else is refused with the offset of
 * the first bad record, before any of it reaches the chip.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "btserdev.h"

#define HCD_MAX	4096

struct hcd {
	u8 data[HCD_MAX];
	size_t len;
};

static size_t hcd_record(struct hcd *f, u16 opcode, const u8 *params, u8 plen)
{
	size_t at = f->len;

	f->data[f->len++] = opcode & 0xff;
	f->data[f->len++] = opcode >> 8;
	f->data[f->len++] = plen;
	memcpy(f->data + f->len, params, plen);
	f->len += plen;
	return at;
}

static size_t hcd_write_ram(struct hcd *f, u32 addr, u8 datalen)
{
	u8 p[255];
	int i;

	p[0] = addr;
	p[1] = addr >> 8;
	p[2] = addr >> 16;
	p[3] = addr >> 24;
	for (i = 0; i < datalen; i++)
		p[4 + i] = addr + i;
	return hcd_record(f, 0xfc4c, p, 4 + datalen);
}

static size_t hcd_launch(struct hcd *f)
{
	static const u8 addr[4] = { 0xff, 0xff, 0xff, 0xff };

	return hcd_record(f, 0xfc4e, addr, sizeof(addr));
}

/* Three Write RAM records of different sizes and the launch. */
static void hcd_good(struct hcd *f)
{
	f->len = 0;
	hcd_write_ram(f, 0x218000, 251);
	hcd_write_ram(f, 0x2180fb, 1);
	hcd_write_ram(f, 0x2180fc, 100);
	hcd_launch(f);
}

static int hcd_check(const struct hcd *f, size_t len, size_t *bad)
{
	return btserdev_bcm_hcd_check(f->data, len, bad);
}

static void hcd_good_file_accepted(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_good(f);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), 0);
}

/* Every proper prefix is a truncated file: none may pass. */
static void hcd_every_truncation_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t len, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_good(f);
	for (len = 0; len < f->len; len++) {
		KUNIT_ASSERT_EQ_MSG(test, hcd_check(f, len, &bad), -EINVAL,
				    "prefix of %zu bytes accepted", len);
		KUNIT_ASSERT_LE(test, bad, len);
	}
}

static void hcd_length_past_end_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_write_ram(f, 0x218000, 16);
	at = hcd_launch(f);
	f->data[at + 2] = 200;	/* announces 200 bytes, 4 follow */
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_non_vendor_opcode_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_write_ram(f, 0x218000, 16);
	at = hcd_record(f, 0x0c03, NULL, 0);	/* HCI Reset */
	hcd_launch(f);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_short_write_ram_refused(struct kunit *test)
{
	static const u8 addr_only[4] = { 0x00, 0x80, 0x21, 0x00 };
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	at = hcd_record(f, 0xfc4c, addr_only, sizeof(addr_only));
	hcd_launch(f);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_bad_launch_refused(struct kunit *test)
{
	static const u8 five[5] = { 0xff, 0xff, 0xff, 0xff, 0x00 };
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_write_ram(f, 0x218000, 16);
	at = hcd_record(f, 0xfc4e, five, sizeof(five));
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_record_after_launch_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_good(f);
	at = hcd_write_ram(f, 0x219000, 8);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_missing_launch_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_write_ram(f, 0x218000, 16);
	hcd_write_ram(f, 0x218010, 16);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, f->len);
}

/*
 * The rules again, walked record by record: the verdict and the offset of
 * the first bad record that btserdev_bcm_hcd_check() must report.
 */
static int hcd_oracle(const u8 *d, size_t len, size_t *bad)
{
	size_t off = 0, plen;
	u16 op;

	while (off < len) {
		*bad = off;
		if (len - off < 3)
			return -EINVAL;
		op = d[off] | d[off + 1] << 8;
		plen = d[off + 2];
		if ((op >> 10) != 0x3f || off + 3 + plen > len)
			return -EINVAL;
		if (op == 0xfc4c && plen < 5)
			return -EINVAL;
		if (op == 0xfc4e && plen != 4)
			return -EINVAL;
		off += 3 + plen;
		if (op == 0xfc4e) {
			*bad = off;
			return off == len ? 0 : -EINVAL;
		}
	}
	*bad = len;
	return -EINVAL;
}

/*
 * The fuzz: fuzz_inputs inputs (10^6 unless told; make test runs 10^5),
 * each a random well-formed file (Write RAM records of random sizes, other
 * vendor commands, the launch) left intact or given 1-3 mutations (bit
 * flips, replaced, inserted and deleted bytes, cuts, extreme length bytes,
 * opcodes swapped for Launch RAM, Write RAM or a non-vendor command, a
 * record appended), or random bytes. The check's
 * verdict and the offset it reports must be the walk's.
 */
static unsigned int fuzz_inputs = 1000000;
module_param(fuzz_inputs, uint, 0444);
MODULE_PARM_DESC(fuzz_inputs, "inputs of the .hcd fuzz (10^6, at least 1000)");

static u32 hcd_rand(struct rnd_state *rs, u32 n)
{
	return prandom_u32_state(rs) % n;
}

static void hcd_fuzz_file(struct hcd *f, struct rnd_state *rs)
{
	unsigned int n = hcd_rand(rs, 4);
	u8 p[255];

	f->len = 0;
	while (n--) {
		prandom_bytes_state(rs, p, sizeof(p));
		if (hcd_rand(rs, 4))
			hcd_write_ram(f, prandom_u32_state(rs),
				      hcd_rand(rs, 4) ? hcd_rand(rs, 16) :
							hcd_rand(rs, 252));
		else
			hcd_record(f, 0xfc00 | hcd_rand(rs, 0x400), p,
				   hcd_rand(rs, 12));
	}
	hcd_launch(f);
}

static void hcd_fuzz_mutate(struct hcd *f, struct rnd_state *rs)
{
	static const u16 ops[] = { 0xfc4e, 0xfc4c, 0x0c03, 0xfc18 };
	size_t pos = f->len ? hcd_rand(rs, f->len) : 0;
	u16 op;

	switch (hcd_rand(rs, 8)) {
	case 0:		/* flip a bit */
		if (f->len)
			f->data[pos] ^= BIT(hcd_rand(rs, 8));
		break;
	case 1:		/* replace a byte */
		if (f->len)
			f->data[pos] = prandom_u32_state(rs);
		break;
	case 2:		/* cut */
		f->len = pos;
		break;
	case 3:		/* insert a byte */
		if (f->len < HCD_MAX) {
			memmove(f->data + pos + 1, f->data + pos, f->len - pos);
			f->data[pos] = prandom_u32_state(rs);
			f->len++;
		}
		break;
	case 4:		/* delete a byte */
		if (f->len) {
			memmove(f->data + pos, f->data + pos + 1,
				f->len - pos - 1);
			f->len--;
		}
		break;
	case 5:		/* an extreme length byte */
		if (f->len)
			f->data[pos] = hcd_rand(rs, 2) ? 0xff : hcd_rand(rs, 6);
		break;
	case 6:		/* another opcode at that place */
		if (pos + 2 <= f->len) {
			op = ops[hcd_rand(rs, ARRAY_SIZE(ops))];
			f->data[pos] = op & 0xff;
			f->data[pos + 1] = op >> 8;
		}
		break;
	default:	/* a record appended */
		if (f->len + 3 + 255 + 4 <= HCD_MAX) {
			if (hcd_rand(rs, 2))
				hcd_launch(f);
			else
				hcd_write_ram(f, 0, hcd_rand(rs, 8));
		}
		break;
	}
}

static void hcd_fuzz(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i, n, accepted = 0, refused = 0;
	size_t bad, want_bad;
	struct rnd_state rnd;
	u64 bytes = 0;
	int ret, want;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_GE(test, fuzz_inputs, 1000U);
	prandom_seed_state(&rnd, 0x686364667a7aULL);
	for (i = 0; i < fuzz_inputs; i++) {
		if (hcd_rand(&rnd, 8)) {
			hcd_fuzz_file(f, &rnd);
			n = hcd_rand(&rnd, 4) ? 1 + hcd_rand(&rnd, 3) : 0;
			while (n--)
				hcd_fuzz_mutate(f, &rnd);
		} else {
			f->len = hcd_rand(&rnd, 65);
			prandom_bytes_state(&rnd, f->data, f->len);
		}
		bytes += f->len;
		bad = SIZE_MAX;
		ret = hcd_check(f, f->len, &bad);
		want = hcd_oracle(f->data, f->len, &want_bad);
		if (ret != want || (ret && bad != want_bad)) {
			KUNIT_FAIL(test,
				   "input %u: %d at %zu, the walk says %d at %zu (%zu bytes: %*ph)",
				   i, ret, bad, want, want_bad, f->len,
				   (int)min_t(size_t, f->len, 32), f->data);
			break;
		}
		if (ret)
			refused++;
		else
			accepted++;
	}
	kunit_info(test, "fuzz: %u inputs, %llu bytes: %u accepted, %u refused\n",
		   i, bytes, accepted, refused);
	KUNIT_EXPECT_EQ(test, i, fuzz_inputs);
	/* Both outcomes, often, or the inputs prove little. */
	KUNIT_EXPECT_GT(test, accepted, fuzz_inputs / 100);
	KUNIT_EXPECT_GT(test, refused, fuzz_inputs / 100);
}

static struct kunit_case btserdev_bcm_cases[] = {
	KUNIT_CASE(hcd_good_file_accepted),
	KUNIT_CASE(hcd_every_truncation_refused),
	KUNIT_CASE(hcd_length_past_end_refused),
	KUNIT_CASE(hcd_non_vendor_opcode_refused),
	KUNIT_CASE(hcd_short_write_ram_refused),
	KUNIT_CASE(hcd_bad_launch_refused),
	KUNIT_CASE(hcd_record_after_launch_refused),
	KUNIT_CASE(hcd_missing_launch_refused),
	KUNIT_CASE_ATTR(hcd_fuzz, {.speed = KUNIT_SPEED_VERY_SLOW}),
	{ }
};

static struct kunit_suite btserdev_bcm_suite = {
	.name = "btserdev-bcm-hcd",
	.test_cases = btserdev_bcm_cases,
};

kunit_test_suite(btserdev_bcm_suite);

MODULE_DESCRIPTION("KUnit tests for btserdev's Broadcom firmware file check");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
