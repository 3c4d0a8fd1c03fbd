// SPDX-License-Identifier: GPL-2.0
/*
 * Device tree overlays applied and removed at run time through configfs,
 * in the shape users know from the Raspberry Pi kernel and dtbocfg:
 *
 *   mkdir /sys/kernel/config/device-tree/overlays/NAME
 *   cat x.dtbo > .../NAME/dtbo
 *   echo 1 > .../NAME/status        (0 removes it; so does rmdir)
 *
 * Privilege: creating an overlay and applying or removing one need
 * CAP_SYS_ADMIN, checked in the context of the process that does it, and
 * are refused while the kernel is locked down (LOCKDOWN_DEVICE_TREE). The
 * blob itself reaches this driver only when its file is closed, from
 * whichever process closes it last, so no capability is judged there: the
 * file is writable by root alone (its mode), and a blob does nothing until
 * a privileged write to status applies it. A blob that is not a valid flattened tree
 * is refused before anything is applied; an overlay the kernel cannot
 * apply is reported with of_overlay_fdt_apply()'s error and whatever it
 * applied is removed again. Removing an overlay removes the devices of its
 * nodes, so their drivers are unbound first.
 *
 * An overlay whose directory goes while it cannot be removed (one applied
 * after it changes its nodes: it is not topmost) stays applied, listed in
 * overlays/stuck, and is removed, newest first, as soon as another removal
 * makes that possible, or on unload.
 */

#include <kunit/visibility.h>
#include <linux/capability.h>
#include <linux/configfs.h>
#include <linux/libfdt.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dtbo_header.h"

#define DTBO_MAX_SIZE	SZ_1M

/* An applied overlay whose directory is gone; newest first in the list. */
struct dtbo_stuck {
	struct list_head entry;
	int ovcs_id;
	char name[];
};

static LIST_HEAD(dtbo_stuck_list);
static DEFINE_MUTEX(dtbo_stuck_lock);	/* dtbo_stuck_list */

struct dtbo_overlay {
	struct config_item item;
	struct mutex lock;	/* everything below */
	void *blob;
	size_t size;
	int ovcs_id;		/* > 0 while applied */
	struct dtbo_stuck *stuck;	/* its entry, should it get stuck */
};

static struct dtbo_overlay *to_dtbo(struct config_item *item)
{
	return container_of(item, struct dtbo_overlay, item);
}

static int dtbo_remove_locked(struct dtbo_overlay *ov)
{
	int ret;

	if (!ov->ovcs_id)
		return 0;
	ret = of_overlay_remove(&ov->ovcs_id);
	if (ret)	/* (the item's own name is gone in release) */
		pr_err("dtbo %s: cannot remove: %pe\n", ov->stuck->name,
		       ERR_PTR(ret));
	return ret;
}

static int dtbo_apply_locked(struct dtbo_overlay *ov)
{
	const char *name = config_item_name(&ov->item);
	int ret;

	if (ov->ovcs_id)
		return 0;
	if (!ov->blob) {
		pr_err("dtbo %s: no blob written to dtbo\n", name);
		return -ENODATA;
	}
	ret = of_overlay_fdt_apply(ov->blob, ov->size, &ov->ovcs_id, NULL);
	if (!ret) {
		pr_info("dtbo %s: applied (changeset %d)\n", name, ov->ovcs_id);
		return 0;
	}
	pr_err("dtbo %s: cannot apply: %pe\n", name, ERR_PTR(ret));
	if (ov->ovcs_id && dtbo_remove_locked(ov))
		pr_err("dtbo %s: partly applied and cannot be rolled back\n",
		       name);
	ov->ovcs_id = 0;
	return ret;
}

/* Remove what is stuck, newest first, as far as the tree allows now. */
static void dtbo_retry_stuck(void)
{
	struct dtbo_stuck *s, *n;

	mutex_lock(&dtbo_stuck_lock);
	list_for_each_entry_safe(s, n, &dtbo_stuck_list, entry) {
		if (of_overlay_remove(&s->ovcs_id))
			break;
		pr_info("dtbo %s: removed at last\n", s->name);
		list_del(&s->entry);
		kfree(s);
	}
	mutex_unlock(&dtbo_stuck_lock);
}

/*
 * @ov's directory goes while it is applied and cannot be removed: its
 * entry (allocated with it, so that this cannot fail) joins the list.
 */
static void dtbo_keep_stuck(struct dtbo_overlay *ov)
{
	struct dtbo_stuck *s = ov->stuck;

	ov->stuck = NULL;
	s->ovcs_id = ov->ovcs_id;
	mutex_lock(&dtbo_stuck_lock);
	list_add(&s->entry, &dtbo_stuck_list);
	mutex_unlock(&dtbo_stuck_lock);
	pr_warn("dtbo %s: stays applied (overlays/stuck) until the overlays applied after it are removed\n",
		s->name);
}

static ssize_t dtbo_dtbo_read(struct config_item *item, void *buf,
			      size_t max)
{
	struct dtbo_overlay *ov = to_dtbo(item);
	ssize_t ret;

	mutex_lock(&ov->lock);
	ret = ov->size;
	if (buf && ov->blob) {
		ret = min(ov->size, max);
		memcpy(buf, ov->blob, ret);
	}
	mutex_unlock(&ov->lock);
	return ret;
}

/**
 * dtbo_check_header() - tell a whole blob from garbage or a cut one
 * @buf: the blob
 * @size: its size
 *
 * libfdt's checker is not exported to modules; of_overlay_fdt_apply()
 * checks the structure itself.
 *
 * Return: NULL for a header that describes a blob of exactly @size bytes,
 * else why not (for the log).
 */
VISIBLE_IF_KUNIT const char *dtbo_check_header(const void *buf, size_t size)
{
	if (size < sizeof(struct fdt_header))
		return "shorter than a header";
	if (fdt_magic(buf) != FDT_MAGIC)
		return "bad magic";
	if (fdt_version(buf) < 17 || fdt_last_comp_version(buf) > 17)
		return "unsupported version";
	if (fdt_totalsize(buf) != size)
		return "size differs from the header's (truncated?)";
	/* In 64 bits: two 32-bit fields can wrap to a small sum. */
	if ((u64)fdt_off_dt_struct(buf) + fdt_size_dt_struct(buf) > size ||
	    (u64)fdt_off_dt_strings(buf) + fdt_size_dt_strings(buf) > size)
		return "blocks beyond the end";
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(dtbo_check_header);

static ssize_t dtbo_dtbo_write(struct config_item *item, const void *buf,
			       size_t size)
{
	struct dtbo_overlay *ov = to_dtbo(item);
	const char *name = config_item_name(&ov->item);
	ssize_t ret = size;
	const char *why;
	void *blob;

	/* Called from the last close(): see the privilege note above. */
	why = dtbo_check_header(buf, size);
	blob = why ? NULL : kmemdup(buf, size, GFP_KERNEL);
	if (!why && !blob)
		return -ENOMEM;

	mutex_lock(&ov->lock);
	if (why && !ov->ovcs_id) {
		/*
		 * configfs reports a binary write's error only to close(),
		 * which nobody checks: leave no blob, so that reading dtbo
		 * shows it and applying fails.
		 */
		pr_err("dtbo %s: %zu bytes are not a flattened device tree: %s\n",
		       name, size, why);
		kfree(ov->blob);
		ov->blob = NULL;
		ov->size = 0;
		ret = -EINVAL;
	} else if (ov->ovcs_id) {
		pr_err("dtbo %s: applied: write 0 to status before a new blob\n",
		       name);
		kfree(blob);
		ret = -EBUSY;
	} else {
		kfree(ov->blob);
		ov->blob = blob;
		ov->size = size;
	}
	mutex_unlock(&ov->lock);
	return ret;
}

CONFIGFS_BIN_ATTR(dtbo_, dtbo, NULL, DTBO_MAX_SIZE);

static ssize_t dtbo_status_show(struct config_item *item, char *page)
{
	struct dtbo_overlay *ov = to_dtbo(item);
	bool applied;

	mutex_lock(&ov->lock);
	applied = ov->ovcs_id;
	mutex_unlock(&ov->lock);
	return sysfs_emit(page, "%s\n", applied ? "applied" : "unapplied");
}

/* May the calling process change the live tree? */
static int dtbo_may_change_tree(void)
{
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = security_locked_down(LOCKDOWN_DEVICE_TREE);
	if (ret)
		pr_err_ratelimited("dtbo: the kernel is locked down: no overlay changes\n");
	return ret;
}

static ssize_t dtbo_status_store(struct config_item *item, const char *page,
				 size_t count)
{
	struct dtbo_overlay *ov = to_dtbo(item);
	bool apply;
	int ret;

	ret = dtbo_may_change_tree();
	if (ret)
		return ret;
	ret = kstrtobool(page, &apply);
	if (ret)
		return ret;
	mutex_lock(&ov->lock);
	ret = apply ? dtbo_apply_locked(ov) : dtbo_remove_locked(ov);
	mutex_unlock(&ov->lock);
	if (!ret && !apply)
		dtbo_retry_stuck();
	return ret ? ret : count;
}

CONFIGFS_ATTR(dtbo_, status);

static struct configfs_attribute *dtbo_attrs[] = {
	&dtbo_attr_status,
	NULL,
};

static struct configfs_bin_attribute *dtbo_bin_attrs[] = {
	&dtbo_attr_dtbo,
	NULL,
};

static void dtbo_release(struct config_item *item)
{
	struct dtbo_overlay *ov = to_dtbo(item);
	bool stuck;

	mutex_lock(&ov->lock);
	stuck = dtbo_remove_locked(ov);
	if (stuck)
		dtbo_keep_stuck(ov);
	mutex_unlock(&ov->lock);
	kfree(ov->stuck);
	kfree(ov->blob);
	kfree(ov);
	if (!stuck)
		dtbo_retry_stuck();
}

static struct configfs_item_operations dtbo_item_ops = {
	.release = dtbo_release,
};

static const struct config_item_type dtbo_item_type = {
	.ct_item_ops = &dtbo_item_ops,
	.ct_attrs = dtbo_attrs,
	.ct_bin_attrs = dtbo_bin_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_item *dtbo_make_item(struct config_group *group,
					  const char *name)
{
	struct dtbo_overlay *ov;
	int ret;

	ret = dtbo_may_change_tree();
	if (ret)
		return ERR_PTR(ret);
	ov = kzalloc(sizeof(*ov), GFP_KERNEL);
	if (!ov)
		return ERR_PTR(-ENOMEM);
	ov->stuck = kzalloc(struct_size(ov->stuck, name, strlen(name) + 1),
			    GFP_KERNEL);
	if (!ov->stuck) {
		kfree(ov);
		return ERR_PTR(-ENOMEM);
	}
	strscpy(ov->stuck->name, name, strlen(name) + 1);
	mutex_init(&ov->lock);
	config_item_init_type_name(&ov->item, name, &dtbo_item_type);
	return &ov->item;
}

static struct configfs_group_operations dtbo_overlays_ops = {
	.make_item = dtbo_make_item,
};

/* overlays/stuck: the overlays kept applied, one name a line. */
static ssize_t dtbo_overlays_stuck_show(struct config_item *item, char *page)
{
	struct dtbo_stuck *s;
	ssize_t len = 0;

	mutex_lock(&dtbo_stuck_lock);
	list_for_each_entry(s, &dtbo_stuck_list, entry)
		len += sysfs_emit_at(page, len, "%s\n", s->name);
	mutex_unlock(&dtbo_stuck_lock);
	return len;
}

CONFIGFS_ATTR_RO(dtbo_overlays_, stuck);

static struct configfs_attribute *dtbo_overlays_attrs[] = {
	&dtbo_overlays_attr_stuck,
	NULL,
};

static const struct config_item_type dtbo_overlays_type = {
	.ct_group_ops = &dtbo_overlays_ops,
	.ct_attrs = dtbo_overlays_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group dtbo_overlays;

static const struct config_item_type dtbo_root_type = {
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem dtbo_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = "device-tree",
			.ci_type = &dtbo_root_type,
		},
	},
	.su_mutex = __MUTEX_INITIALIZER(dtbo_subsys.su_mutex),
};

static int __init dtbo_init(void)
{
	int ret;

	config_group_init(&dtbo_subsys.su_group);
	config_group_init_type_name(&dtbo_overlays, "overlays",
				    &dtbo_overlays_type);
	configfs_add_default_group(&dtbo_overlays, &dtbo_subsys.su_group);
	ret = configfs_register_subsystem(&dtbo_subsys);
	if (ret)
		pr_err("dtbo: cannot register the configfs subsystem: %d\n",
		       ret);
	return ret;
}
module_init(dtbo_init);

static void __exit dtbo_exit(void)
{
	struct dtbo_stuck *s, *n;

	configfs_unregister_subsystem(&dtbo_subsys);
	dtbo_retry_stuck();
	/* Nothing applied after them is left that this module knows of. */
	list_for_each_entry_safe(s, n, &dtbo_stuck_list, entry) {
		pr_err("dtbo %s: changeset %d cannot be removed; it stays applied\n",
		       s->name, s->ovcs_id);
		list_del(&s->entry);
		kfree(s);
	}
}
module_exit(dtbo_exit);

MODULE_DESCRIPTION("Device tree overlays applied at run time through configfs");
MODULE_LICENSE("GPL");
