/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named network namespaces as iproute2 keeps them: a namespace is pinned by
 * a bind mount of /proc/thread-self/ns/net on /run/netns/NAME, so `ip netns`
 * sees what we create and we see what it creates.  This module creates,
 * enters and deletes namespaces; it configures nothing inside them (that is
 * bench.c's job).  Entering changes the calling thread only.
 */
#ifndef HQ_NETNS_H
#define HQ_NETNS_H

#include <stdbool.h>
#include <stddef.h>

struct hq_err;

#define HQ_NETNS_DIR		"/run/netns"
#define HQ_NETNS_NAME_MAX	64

/* True when /run/netns/name exists and is a namespace. */
bool	hq_netns_exists(const char *name);
/*
 * Creates namespace name (HQ_EBUSY if it exists).  The caller's thread
 * stays in its own namespace.
 */
int	hq_netns_create(const char *name, struct hq_err *err);
/* Unmounts and removes name; 0 when it did not exist. */
int	hq_netns_delete(const char *name, struct hq_err *err);
/* An O_CLOEXEC fd on the namespace in *fdp, caller closes. */
int	hq_netns_open(const char *name, int *fdp, struct hq_err *err);
/* An fd on the calling thread's current namespace, caller closes. */
int	hq_netns_open_self(int *fdp, struct hq_err *err);
/* Moves the calling thread into the namespace fd / name. */
int	hq_netns_enter_fd(int fd, struct hq_err *err);
int	hq_netns_enter(const char *name, struct hq_err *err);

/* The identity of a network namespace: its nsfs device and inode. */
struct hq_netns_id {
	unsigned long long	 dev, ino;
};
/* The calling thread's namespace. */
int	hq_netns_self_id(struct hq_netns_id *idp, struct hq_err *err);
/* The /run/netns name of id into name (""  when it has none). */
void	hq_netns_name_of(const struct hq_netns_id *id, char *name,
	    size_t namesz);
/*
 * A path that opens namespace id, looked for under /run/netns, among the
 * nsfs bind mounts of /proc/self/mountinfo and in /proc/PID/ns/net; ""
 * for the calling thread's own.  HQ_EUNREACH when none is found.
 */
int	hq_netns_find(const struct hq_netns_id *id, char *path,
	    size_t pathsz, struct hq_err *err);
/* Opens a namespace file (a path hq_netns_find gave). */
int	hq_netns_open_path(const char *path, int *fdp, struct hq_err *err);

#endif
