// SPDX-License-Identifier: Apache-2.0
/*
 * libpcap, loaded when first used (as util/curl_lazy.c does for libcurl).
 * Debian's libpcap pulls libdbus, libsystemd and their compressors and
 * crypto (nine libraries, ~2 ms of loading for every hopquy process);
 * a run's capture on Ethernet reads a plain packet socket and needs
 * libpcap only to compile a filter (bench/capture.c), and most commands
 * never capture.  This file defines the libpcap functions hopquy calls,
 * each forwarding to the real one, resolved once from libpcap.so.0.8.
 * Without libpcap they fail the way libpcap reports a failure.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <pcap/pcap.h>
#include "util/log.h"

#define PCAP_SONAME	"libpcap.so.0.8"

#define PCAP_FUNCS(X) \
	X(pcap_activate) X(pcap_close) X(pcap_compile) \
	X(pcap_create) X(pcap_datalink) X(pcap_dispatch) \
	X(pcap_freecode) X(pcap_get_selectable_fd) X(pcap_get_tstamp_precision) \
	X(pcap_geterr) X(pcap_open_dead) X(pcap_set_buffer_size) \
	X(pcap_set_immediate_mode) X(pcap_set_promisc) X(pcap_set_snaplen) \
	X(pcap_set_timeout) X(pcap_set_tstamp_precision) X(pcap_setfilter) \
	X(pcap_setnonblock) X(pcap_stats)

static struct {
#define X(n) __typeof__(n) *n;
	PCAP_FUNCS(X)
#undef X
} F;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char why[256] = "libpcap not loaded";

static void
load(void)
{
	void *h;

	if ((h = dlopen(PCAP_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, sizeof(why), "%s", dlerror());
		hq_error("%s", why);
		return;
	}
#define X(n) if ((*(void **)&F.n = dlsym(h, #n)) == NULL) goto missing;
	PCAP_FUNCS(X)
#undef X
	return;
 missing:
	snprintf(why, sizeof(why), "%s: a function hopquy needs is missing",
	    PCAP_SONAME);
	hq_error("%s", why);
#define X(n) F.n = NULL;
	PCAP_FUNCS(X)
#undef X
}

static int
ready(void)
{
	pthread_once(&once, load);
	return F.pcap_create != NULL;
}

int
pcap_activate(pcap_t *p)
{
	return ready() ? F.pcap_activate(p) : PCAP_ERROR;
}

void
pcap_close(pcap_t *p)
{
	if (ready())
		F.pcap_close(p);
}

int
pcap_compile(pcap_t *p, struct bpf_program *fp, const char *str, int optimize, bpf_u_int32 netmask)
{
	return ready() ? F.pcap_compile(p, fp, str, optimize, netmask) : PCAP_ERROR;
}

pcap_t *
pcap_create(const char *source, char *errbuf)
{
	if (ready())
		return F.pcap_create(source, errbuf);
	snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", why);
	return NULL;
}

int
pcap_datalink(pcap_t *p)
{
	return ready() ? F.pcap_datalink(p) : PCAP_ERROR;
}

int
pcap_dispatch(pcap_t *p, int cnt, pcap_handler cb, u_char *user)
{
	return ready() ? F.pcap_dispatch(p, cnt, cb, user) : PCAP_ERROR;
}

void
pcap_freecode(struct bpf_program *fp)
{
	if (ready())
		F.pcap_freecode(fp);
}

int
pcap_get_selectable_fd(pcap_t *p)
{
	return ready() ? F.pcap_get_selectable_fd(p) : -1;
}

int
pcap_get_tstamp_precision(pcap_t *p)
{
	return ready() ? F.pcap_get_tstamp_precision(p) : PCAP_ERROR;
}

char *
pcap_geterr(pcap_t *p)
{
	return ready() ? F.pcap_geterr(p) : why;
}

pcap_t *
pcap_open_dead(int linktype, int snaplen)
{
	return ready() ? F.pcap_open_dead(linktype, snaplen) : NULL;
}

int
pcap_set_buffer_size(pcap_t *p, int size)
{
	return ready() ? F.pcap_set_buffer_size(p, size) : PCAP_ERROR;
}

int
pcap_set_immediate_mode(pcap_t *p, int on)
{
	return ready() ? F.pcap_set_immediate_mode(p, on) : PCAP_ERROR;
}

int
pcap_set_promisc(pcap_t *p, int on)
{
	return ready() ? F.pcap_set_promisc(p, on) : PCAP_ERROR;
}

int
pcap_set_snaplen(pcap_t *p, int snaplen)
{
	return ready() ? F.pcap_set_snaplen(p, snaplen) : PCAP_ERROR;
}

int
pcap_set_timeout(pcap_t *p, int ms)
{
	return ready() ? F.pcap_set_timeout(p, ms) : PCAP_ERROR;
}

int
pcap_set_tstamp_precision(pcap_t *p, int precision)
{
	return ready() ? F.pcap_set_tstamp_precision(p, precision) : PCAP_ERROR;
}

int
pcap_setfilter(pcap_t *p, struct bpf_program *fp)
{
	return ready() ? F.pcap_setfilter(p, fp) : PCAP_ERROR;
}

int
pcap_setnonblock(pcap_t *p, int nonblock, char *errbuf)
{
	if (ready())
		return F.pcap_setnonblock(p, nonblock, errbuf);
	snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", why);
	return PCAP_ERROR;
}

int
pcap_stats(pcap_t *p, struct pcap_stat *ps)
{
	return ready() ? F.pcap_stats(p, ps) : PCAP_ERROR;
}
