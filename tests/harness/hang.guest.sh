#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: a guest that never reports must fail the boot at the
# runner's hard timeout.
sleep 3600
