/* SPDX-License-Identifier: GPL-2.0 */
/*
 * serdev-ldisc internals: the bridge between a tty and a serdev controller,
 * shared by the line discipline (userspace attach with ldattach) and the
 * USB-serial watcher (in-kernel attach on hot-plug).
 */
#ifndef SDL_INTERNAL_H
#define SDL_INTERNAL_H

#include <linux/kconfig.h>
#include <linux/list.h>
#include <linux/of.h>
#include <linux/types.h>

struct serdev_controller;
struct tty_struct;

/**
 * struct sdl_bridge - a serdev controller carried by a tty
 * @entry: in the list of bridges
 * @tty: the tty the line discipline is attached to (a reference is held)
 * @ctrl: the serdev controller whose clients are described by @np
 * @np: the controller's node (a reference is held)
 * @active: the client has the controller open
 * @hung_up: the tty was hung up; no more writes
 */
struct sdl_bridge {
	struct list_head entry;
	struct tty_struct *tty;
	struct serdev_controller *ctrl;
	struct device_node *np;
	bool active;
	bool hung_up;
	bool was_exclusive;
};

extern int sdl_ldisc_num;

struct sdl_bridge *sdl_bridge_create(struct tty_struct *tty);
void sdl_bridge_destroy(struct sdl_bridge *b);
void sdl_bridges_node_removed(struct device_node *dn);
int sdl_bridge_init(void);
void sdl_bridge_exit(void);

#if IS_REACHABLE(CONFIG_USB)
struct device_node *sdl_usb_find_node(struct tty_struct *tty);
bool sdl_usb_release(struct tty_struct *tty);
void sdl_usb_rescan(void);
int sdl_usb_init(void);
void sdl_usb_exit(void);
#else
static inline struct device_node *sdl_usb_find_node(struct tty_struct *tty)
{
	return NULL;
}

static inline bool sdl_usb_release(struct tty_struct *tty) { return false; }
static inline void sdl_usb_rescan(void) {}
static inline int sdl_usb_init(void) { return 0; }
static inline void sdl_usb_exit(void) {}
#endif

#endif /* SDL_INTERNAL_H */
