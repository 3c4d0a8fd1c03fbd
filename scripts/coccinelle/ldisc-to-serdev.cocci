// SPDX-License-Identifier: GPL-2.0
/// Turn a tty line discipline driver into a serdev client driver: the
/// mechanical parts. See Documentation/serial/ldisc-migration.rst for what
/// stays to be done by hand (probe-time setup that userspace did before,
/// ioctls that become device tree properties, the driver's registration).
///
/// Usage: spatch --sp-file scripts/coccinelle/ldisc-to-serdev.cocci \
///               --in-place drivers/foo/foo_ldisc.c
//
// Confidence: Medium. It converts the callbacks named in a tty_ldisc_ops
// initializer and the tty calls made through a tty pointer kept in the
// driver's private structure.
// Options: --no-includes --include-headers

virtual patch

// The callbacks of the line discipline.
@ops@
identifier o, f_open, f_close, f_recv, f_wake;
@@
struct tty_ldisc_ops o = {
	.open = f_open,
	.close = f_close,
	.receive_buf = f_recv,
	.write_wakeup = f_wake,
};

// open(tty) becomes probe(serdev).
@probe depends on ops@
identifier ops.f_open, tty;
@@
- int f_open(struct tty_struct *tty)
+ int f_open(struct serdev_device *serdev)
  { ... }

// close(tty) becomes remove(serdev).
@remove depends on ops@
identifier ops.f_close, tty;
@@
- void f_close(struct tty_struct *tty)
+ void f_close(struct serdev_device *serdev)
  { ... }

// receive_buf(tty, cp, fp, count) becomes receive_buf(serdev, cp, count):
// serdev has no per-byte flags, and it is told how much was taken.
@recv depends on ops@
identifier ops.f_recv, tty, cp, fp, count;
type T1, T2;
@@
- void f_recv(struct tty_struct *tty, T1 cp, T2 fp, size_t count)
+ size_t f_recv(struct serdev_device *serdev, T1 cp, size_t count)
  {
  ...
+ return count;
  }

@depends on recv@
identifier ops.f_recv, recv.count;
@@
  f_recv(...)
  {
  <...
- return;
+ return count;
  ...>
  }

@wake depends on ops@
identifier ops.f_wake, tty;
@@
- void f_wake(struct tty_struct *tty)
+ void f_wake(struct serdev_device *serdev)
  { ... }

// In those callbacks, the driver's data hangs off the serdev device.
@depends on ops@
identifier fn = {ops.f_open, ops.f_close, ops.f_recv, ops.f_wake};
identifier tty;
expression E;
@@
  fn(...)
  {
  <...
(
- tty->disc_data = E;
+ serdev_device_set_drvdata(serdev, E);
|
- tty_name(tty)
+ dev_name(&serdev->dev)
|
- tty->dev
+ &serdev->dev
|
- tty->disc_data
+ serdev_device_get_drvdata(serdev)
|
- tty->receive_room = E;
|
- set_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
)
  ...>
  }

// A tty pointer kept in the driver's private structure becomes the serdev
// device, and what the driver did with the tty, it does with serdev.
@priv depends on ops@
identifier s, t;
@@
  struct s {
  ...
- struct tty_struct *t;
+ struct serdev_device *serdev;
  ...
  };

@depends on priv@
identifier priv.t, tty;
expression P, B, N, T;
@@
(
- P->t->ops->write(P->t, B, N)
+ serdev_device_write_buf(P->serdev, B, N)
|
- tty_write_room(P->t)
+ serdev_device_write_room(P->serdev)
|
- tty_driver_flush_buffer(P->t)
+ serdev_device_write_flush(P->serdev)
|
- tty_wait_until_sent(P->t, T)
+ serdev_device_wait_until_sent(P->serdev, T)
|
- P->t = tty
+ P->serdev = serdev
|
- tty_name(P->t)
+ dev_name(&P->serdev->dev)
|
- P->t->dev
+ &P->serdev->dev
)

// The ops the serdev core calls, next to the line discipline's table,
// which goes once its registration is replaced (see the guide).
@depends on recv && wake@
identifier ops.o, ops.f_recv, ops.f_wake;
fresh identifier sops = o ## "_serdev_ops";
@@
  struct tty_ldisc_ops o = { ... };
+ static const struct serdev_device_ops sops = {
+	.receive_buf = f_recv,
+	.write_wakeup = f_wake,
+ };
