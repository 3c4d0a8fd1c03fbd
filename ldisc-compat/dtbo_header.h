/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtbo-configfs's check of a flattened device tree header, visible to its
 * KUnit suite only.
 */
#ifndef _DTBO_HEADER_H
#define _DTBO_HEADER_H

#include <linux/types.h>

#if IS_ENABLED(CONFIG_KUNIT)
const char *dtbo_check_header(const void *buf, size_t size);
#endif

#endif /* _DTBO_HEADER_H */
