/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DUT's power drivers (hopquy-dut(5) power.driver): a command's argv,
 * an HTTP power switch driven by recipe steps (power.off, power.on,
 * off_ms), the simulator's power-cycle hook (a signal to the pid in
 * power.pidfile) or manual (the operator is prompted, with a deadline).
 * The resilience family cycles the power with them; the input family
 * when a device does not come back by itself.  Every action is reported
 * through the caller's event function ("power", "power off", "power on").
 */
#ifndef HQ_POWER_H
#define HQ_POWER_H

#include <stdint.h>

#include "model/dut.h"
#include "util/util.h"
#include "wire/steps.h"

struct hq_err;

typedef void (*hq_power_event_fn)(void *arg, int64_t t_ns, const char *what,
    const char *text);
/* Sends sig to the simulator's pid for the "sim" driver when the caller
 * cannot (an unprivileged worker: the bench checks and signals). */
typedef int (*hq_power_signal_fn)(void *arg, long pid, int sig,
    struct hq_err *err);

/* The declared driver ("command", "http", "sim", "manual"), or NULL. */
const char *hq_power_driver(const struct hq_dut *d);
/*
 * One power cycle with d's driver, before dl; st runs an HTTP switch's
 * steps (may be NULL for the other drivers).  0 once the power is back
 * on (the device may still be booting), else err says why.
 */
int	hq_power_cycle(const struct hq_dut *d, struct hq_steps *st,
	    struct hq_deadline dl, hq_power_event_fn ev,
	    hq_power_signal_fn sig, void *arg, struct hq_err *err);

#endif
