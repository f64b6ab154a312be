/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named network namespaces (iproute2's scheme, see netns.h).  Creation runs
 * unshare(CLONE_NEWNET) on the calling thread, pins the new namespace with
 * a bind mount and returns the thread to where it was.  Nothing here
 * configures links or addresses.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bench/netns.h"
#include "util/err.h"
#include "util/log.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC	0x6e736673
#endif

static int
netns_path(const char *name, char *buf, size_t bufsz, struct hq_err *err)
{
	size_t i, len = strlen(name);

	/* A name is one path component of safe characters. */
	if (len == 0 || len >= HQ_NETNS_NAME_MAX)
		return hq_err_set(err, HQ_EINVAL, "netns name: %zu bytes",
		    len);
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    (c == '.' && i > 0)))
			return hq_err_set(err, HQ_EINVAL,
			    "netns name: bad character at %zu", i);
	}
	snprintf(buf, bufsz, "%s/%s", HQ_NETNS_DIR, name);
	return 0;
}

bool
hq_netns_exists(const char *name)
{
	char path[128];
	struct statfs sfs;

	if (netns_path(name, path, sizeof(path), NULL) != 0)
		return false;
	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type ==
	    (unsigned long)NSFS_MAGIC;
}

/*
 * /run/netns must be a shared mount point so that a namespace mounted
 * here shows in other mount namespaces (what `ip netns add` does).
 */
static int
netns_dir_prepare(struct hq_err *err)
{
	if (mkdir(HQ_NETNS_DIR, 0755) != 0 && errno != EEXIST)
		return hq_err_sys(err, HQ_NETNS_DIR);
	if (mount("", HQ_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return hq_err_sys(err, "mount --make-shared " HQ_NETNS_DIR);
	/* Not a mount point yet: bind it on itself, then share it. */
	if (mount(HQ_NETNS_DIR, HQ_NETNS_DIR, "none", MS_BIND | MS_REC,
	    NULL) != 0)
		return hq_err_sys(err, "mount --bind " HQ_NETNS_DIR);
	if (mount("", HQ_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) != 0)
		return hq_err_sys(err, "mount --make-shared " HQ_NETNS_DIR);
	return 0;
}

int
hq_netns_open_self(int *fdp, struct hq_err *err)
{
	if ((*fdp = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC))
	    < 0)
		return hq_err_sys(err, "/proc/thread-self/ns/net");
	return 0;
}

int
hq_netns_open(const char *name, int *fdp, struct hq_err *err)
{
	char path[128];
	int rc;

	*fdp = -1;
	if ((rc = netns_path(name, path, sizeof(path), err)) != 0)
		return rc;
	if (!hq_netns_exists(name))
		return hq_err_set(err, HQ_EUNREACH, "netns %s: not found",
		    name);
	if ((*fdp = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hq_err_sys(err, path);
	return 0;
}

int
hq_netns_enter_fd(int fd, struct hq_err *err)
{
	if (setns(fd, CLONE_NEWNET) != 0)
		return hq_err_sys(err, "setns");
	return 0;
}

int
hq_netns_enter(const char *name, struct hq_err *err)
{
	int fd, rc;

	if ((rc = hq_netns_open(name, &fd, err)) != 0)
		return rc;
	rc = hq_netns_enter_fd(fd, err);
	close(fd);
	return rc;
}

int
hq_netns_create(const char *name, struct hq_err *err)
{
	char path[128];
	int fd = -1, self = -1, rc;
	bool created = false, moved = false;

	if ((rc = netns_path(name, path, sizeof(path), err)) != 0)
		return rc;
	if ((rc = netns_dir_prepare(err)) != 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0))
	    < 0) {
		if (errno == EEXIST)
			return hq_err_set(err, HQ_EBUSY,
			    "netns %s: exists", name);
		return hq_err_sys(err, path);
	}
	close(fd);
	created = true;
	if ((rc = hq_netns_open_self(&self, err)) != 0)
		goto out;
	if (unshare(CLONE_NEWNET) != 0) {
		rc = hq_err_sys(err, "unshare(CLONE_NEWNET)");
		goto out;
	}
	moved = true;
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL)
	    != 0) {
		rc = hq_err_sys(err, path);
		goto out;
	}
	hq_debug("netns %s created", name);
 out:
	if (moved && setns(self, CLONE_NEWNET) != 0 && rc == 0)
		rc = hq_err_sys(err, "setns back");
	if (self >= 0)
		close(self);
	if (rc != 0 && created)
		unlink(path);
	return rc;
}

int
hq_netns_delete(const char *name, struct hq_err *err)
{
	char path[128];
	int rc;

	if ((rc = netns_path(name, path, sizeof(path), err)) != 0)
		return rc;
	if (umount2(path, MNT_DETACH) != 0 && errno != EINVAL &&
	    errno != ENOENT)
		return hq_err_sys(err, path);
	if (unlink(path) != 0 && errno != ENOENT)
		return hq_err_sys(err, path);
	return 0;
}

int
hq_netns_self_id(struct hq_netns_id *id, struct hq_err *err)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) != 0)
		return hq_err_sys(err, "/proc/thread-self/ns/net");
	id->dev = (unsigned long long)st.st_dev;
	id->ino = (unsigned long long)st.st_ino;
	return 0;
}

static bool
is_id(const char *path, const struct hq_netns_id *id)
{
	struct stat st;

	return stat(path, &st) == 0 && (unsigned long long)st.st_dev ==
	    id->dev && (unsigned long long)st.st_ino == id->ino;
}

void
hq_netns_name_of(const struct hq_netns_id *id, char *name, size_t namesz)
{
	char path[HQ_NETNS_NAME_MAX + 16];
	struct dirent *de;
	DIR *d;

	name[0] = '\0';
	if ((d = opendir(HQ_NETNS_DIR)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) >= HQ_NETNS_NAME_MAX)
			continue;
		snprintf(path, sizeof(path), "%s/%s", HQ_NETNS_DIR,
		    de->d_name);
		if (is_id(path, id)) {
			snprintf(name, namesz, "%s", de->d_name);
			break;
		}
	}
	closedir(d);
}

/* An nsfs bind mount of id in /proc/self/mountinfo (field 5: the mount
 * point; octal escapes for spaces are left as they are, and fail). */
static bool
find_mount(const struct hq_netns_id *id, char *path, size_t pathsz)
{
	char line[4096], *f[10], *p, *save;
	FILE *fp;
	bool found = false;
	int n;

	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if (strstr(line, " - nsfs ") == NULL)
			continue;
		for (n = 0, p = strtok_r(line, " ", &save); p != NULL &&
		    n < 10; p = strtok_r(NULL, " ", &save))
			f[n++] = p;
		if (n >= 5 && strlen(f[4]) < pathsz && is_id(f[4], id)) {
			snprintf(path, pathsz, "%s", f[4]);
			found = true;
		}
	}
	fclose(fp);
	return found;
}

/* A process in id: /proc/PID/ns/net. */
static bool
find_proc(const struct hq_netns_id *id, char *path, size_t pathsz)
{
	char p[64];
	struct dirent *de;
	DIR *d;
	bool found = false;

	if ((d = opendir("/proc")) == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    strlen(de->d_name) > 10)
			continue;
		snprintf(p, sizeof(p), "/proc/%s/ns/net", de->d_name);
		if (is_id(p, id) && strlen(p) < pathsz) {
			snprintf(path, pathsz, "%s", p);
			found = true;
		}
	}
	closedir(d);
	return found;
}

int
hq_netns_find(const struct hq_netns_id *id, char *path, size_t pathsz,
    struct hq_err *err)
{
	struct hq_netns_id self = { 0, 0 };
	char name[HQ_NETNS_NAME_MAX];
	int rc;

	path[0] = '\0';
	if ((rc = hq_netns_self_id(&self, err)) != 0)
		return rc;
	if (self.dev == id->dev && self.ino == id->ino)
		return 0;
	hq_netns_name_of(id, name, sizeof(name));
	if (name[0] != '\0' && strlen(HQ_NETNS_DIR) + strlen(name) + 2 <=
	    pathsz) {
		snprintf(path, pathsz, "%s/%s", HQ_NETNS_DIR, name);
		return 0;
	}
	if (find_mount(id, path, pathsz) || find_proc(id, path, pathsz))
		return 0;
	return hq_err_set(err, HQ_EUNREACH, "network namespace net:[%llu] "
	    "not found", id->ino);
}

int
hq_netns_open_path(const char *path, int *fdp, struct hq_err *err)
{
	struct statfs sfs;

	if ((*fdp = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hq_err_sys(err, path);
	if (fstatfs(*fdp, &sfs) != 0 || (unsigned long)sfs.f_type !=
	    (unsigned long)NSFS_MAGIC) {
		close(*fdp);
		*fdp = -1;
		return hq_err_set(err, HQ_EINVAL, "%s: not a namespace file",
		    path);
	}
	return 0;
}
