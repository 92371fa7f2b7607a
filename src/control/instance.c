/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * instance: see instance.h. The pid file is opened with O_NOFOLLOW (a
 * symbolic link planted in /run would otherwise let the daemon, as root,
 * truncate any file) and O_CLOEXEC (nothing the daemon starts inherits
 * the lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/config.h"
#include "control/instance.h"
#include "ctl/ctl.h"

static int lock_fd = -1;
static char lock_path[CFG_PATH_MAX + 8];
static dev_t lock_dev;
static ino_t lock_ino;

static void make_parent_dir(const char *path)
{
	char dir[sizeof(lock_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755); /* an error shows at open() with a better reason */
	}
}

/* The pid a running daemon wrote, or 0 when the file says nothing usable. */
static long read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return pid > 0 && (*end == '\n' || *end == '\0') ? pid : 0;
}

static int take_lock(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char line[32];
	int fd, n;

	make_parent_dir(path);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;

		if (e == ELOOP)
			snprintf(err, errlen, "pid_file %s is a symbolic link: refusing to follow it",
				 path);
		else
			snprintf(err, errlen, "cannot open pid_file %s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "pid_file %s is not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;
		long pid = read_pid(fd);

		close(fd);
		if (e != EWOULDBLOCK) {
			snprintf(err, errlen, "cannot lock pid_file %s: %s", path, strerror(e));
			return -e;
		}
		if (pid)
			snprintf(err, errlen, "another dpvs (pid %ld) is running with pid_file %s; "
				 "stop it first", pid, path);
		else
			snprintf(err, errlen, "another dpvs is starting with pid_file %s; stop it "
				 "first", path);
		return -EEXIST;
	}
	/* a daemon stopping unlinks the file it locked: a lock on that
	 * unlinked file is no lock; open the path again */
	struct stat now;

	if (stat(path, &now) || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
		close(fd);
		return -EAGAIN;
	}
	n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, line, (size_t)n, 0) != n) {
		int e = errno;

		snprintf(err, errlen, "cannot write pid_file %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	lock_fd = fd;
	lock_dev = st.st_dev;
	lock_ino = st.st_ino;
	snprintf(lock_path, sizeof(lock_path), "%s", path);
	return 0;
}

/* A TAP interface lives as long as the process holding it: one of our
 * KNI names present means a live process (another dpvs, most likely)
 * owns it, and setting it up or down would break that one's kernel side. */
static int check_kni_free(const struct dpvs_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->nports; i++) {
		const struct cfg_port *p = &cfg->ports[i];

		if (p->kni && p->kni_name[0] && if_nametoindex(p->kni_name)) {
			snprintf(err, errlen,
				 "[port:%s] kni_name: interface %s already exists (another dpvs "
				 "running?); not touching it",
				 p->name, p->kni_name);
			return -EEXIST;
		}
	}
	return 0;
}

int instance_lock(const struct dpvs_config *cfg, char *err, size_t errlen)
{
	char path[sizeof(lock_path)];
	int rc;

	if (cfg->pid_file[0])
		snprintf(path, sizeof(path), "%s", cfg->pid_file);
	else
		snprintf(path, sizeof(path), "%s.lock", cfg->ctl_socket);
	for (int tries = 0; tries < 3; tries++) {
		rc = take_lock(path, err, errlen);
		if (rc != -EAGAIN)
			break;
		snprintf(err, errlen, "pid_file %s keeps being replaced", path);
	}
	if (rc)
		return rc;
	/* another daemon with another pid file may still hold the socket or
	 * the KNI names: find out now, before EAL takes any port */
	rc = ctl_server_in_use(cfg->ctl_socket, err, errlen);
	if (!rc)
		rc = check_kni_free(cfg, err, errlen);
	if (rc)
		instance_unlock();
	return rc;
}

void instance_unlock(void)
{
	struct stat st;

	if (lock_fd < 0)
		return;
	/* unlink before the lock goes, so no newer daemon's file is removed */
	if (stat(lock_path, &st) == 0 && st.st_dev == lock_dev && st.st_ino == lock_ino)
		unlink(lock_path);
	close(lock_fd);
	lock_fd = -1;
}
