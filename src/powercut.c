/* powercut — a file system that can lose power: a FUSE passthrough over BACKING,
 * mounted at MOUNTPOINT, that keeps for every file what a sync of that very file
 * made durable, and on a cut drops everything else.
 *
 * The design is LazyFS's (a FUSE layer with its own idea of durability), kept to
 * what a power cut needs: writes go to BACKING at once, so reads are plain reads,
 * and for each file written since its last fsync/fdatasync the layer remembers its
 * durable size and the durable bytes a write, truncate or hole overwrote (an undo
 * log; RocksDB appends, so the log is nearly always empty and only the size
 * matters).  "cut" on standard input rolls every such file back: the undo log in
 * reverse, then the durable size.  From then on every change fails with EIO (the
 * disk is gone) until EOF on standard input unmounts.  A sync makes durable only
 * the file synced: a directory's fsync, another file's, sync_file_range or sync(2)
 * (which FUSE does not pass on) make nothing durable.  Metadata (create, rename,
 * unlink, mkdir) is durable at once: RocksDB syncs its directories after each, so
 * pristine passes either model, and the promise checked is about the data a sync
 * acknowledged.  No request is served while a cut runs: one thread serves both
 * the kernel's requests and the commands, in the order they come.
 *
 *	powercut BACKING MOUNTPOINT      prints "ready", then on stdin:
 *	  cut    → "cut files=N bytes=M" (files rolled back, bytes dropped)
 *	  EOF    → unmounts and exits 0
 *	powercut --check DIR             mounts a layer under DIR and unmounts it: exit 0,
 *	                                 or 4 saying why a layer cannot run here */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/opts.h"
#include "lib/util.h"

/* The undo log's bound: past it a write that would overwrite durable bytes fails
 * with ENOSPC, and the cut's reply says the log was full. */
enum { UNDO_MAX_BYTES = 256 << 20 };

struct undo { off_t off; size_t len; char *bytes; };
/* A file changed since its last sync, by inode (a rename keeps it). */
struct dirty {
	ino_t ino;
	int fd;                 /* O_RDWR on the backing file, for the roll-back */
	off_t durable_size;
	struct undo *undo;
	size_t n, cap;
};
struct handle { int fd; int append; };

static int root_fd = -1;
static struct dirty **dirty;
static size_t ndirty, capdirty;
static size_t undo_bytes;
static int undo_full, cut_done;

static const char *rel(const char *path) { return path[1] ? path + 1 : "."; }
static struct handle *handle_of(struct fuse_file_info *fi) { return (struct handle *)(uintptr_t)fi->fh; }

static struct dirty *dirty_find(ino_t ino)
{
	for (size_t i = 0; i < ndirty; i++)
		if (dirty[i]->ino == ino)
			return dirty[i];
	return NULL;
}

static void dirty_free(size_t i)
{
	struct dirty *d = dirty[i];
	for (size_t k = 0; k < d->n; k++) {
		undo_bytes -= d->undo[k].len;
		free(d->undo[k].bytes);
	}
	free(d->undo);
	close(d->fd);
	free(d);
	dirty[i] = dirty[--ndirty];
}

static void dirty_forget(ino_t ino)
{
	for (size_t i = 0; i < ndirty; i++)
		if (dirty[i]->ino == ino) {
			dirty_free(i);
			return;
		}
}

/* The record of the file open on FD, made when it is first changed after a sync:
 * everything it holds now is durable (it was synced, or it was here at mount). */
static int dirty_of(int fd, struct dirty **out)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	if ((*out = dirty_find(st.st_ino)))
		return 0;
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	int rw = open(self, O_RDWR | O_CLOEXEC);
	if (rw < 0)
		return -errno;
	struct dirty *d = xmalloc(sizeof *d);
	*d = (struct dirty){ .ino = st.st_ino, .fd = rw, .durable_size = st.st_size };
	if (ndirty == capdirty) {
		capdirty = capdirty ? 2 * capdirty : 16;
		dirty = xrealloc(dirty, capdirty * sizeof *dirty);
	}
	dirty[ndirty++] = d;
	*out = d;
	return 0;
}

/* Keeps the durable bytes of [off, off+len) that a change is about to overwrite. */
static int keep_durable(struct dirty *d, off_t off, off_t len)
{
	off_t end = off + len < d->durable_size ? off + len : d->durable_size;
	if (off >= end)
		return 0;
	size_t n = (size_t)(end - off);
	if (undo_bytes + n > UNDO_MAX_BYTES) {
		undo_full = 1;
		return -ENOSPC;
	}
	char *bytes = xmalloc(n);
	ssize_t got = pread(d->fd, bytes, n, off);
	if (got < 0) {
		free(bytes);
		return -errno;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4;
		d->undo = xrealloc(d->undo, d->cap * sizeof *d->undo);
	}
	d->undo[d->n++] = (struct undo){ off, (size_t)got, bytes };
	undo_bytes += (size_t)got;
	return 0;
}

/* Before a change of [off, off+len) of the file open on FD (len -1: to its end). */
static int before_change(int fd, off_t off, off_t len)
{
	if (cut_done)
		return -EIO;
	struct dirty *d;
	int r = dirty_of(fd, &d);
	if (r == 0 && len < 0)
		len = d->durable_size > off ? d->durable_size - off : 0;
	return r ? r : keep_durable(d, off, len);
}

static int with_path_fd(const char *path, int (*fn)(int fd, void *arg), void *arg)
{
	int fd = openat(root_fd, rel(path), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fn(fd, arg);
	close(fd);
	return r;
}

/* The power cut: every changed file back to what its syncs made durable. */
static void cut(void)
{
	size_t files = ndirty;
	unsigned long long dropped = 0;
	while (ndirty > 0) {
		struct dirty *d = dirty[ndirty - 1];
		struct stat st;
		if (fstat(d->fd, &st) == 0 && st.st_size > d->durable_size)
			dropped += (unsigned long long)(st.st_size - d->durable_size);
		for (size_t k = d->n; k-- > 0;) {
			if (pwrite(d->fd, d->undo[k].bytes, d->undo[k].len, d->undo[k].off) != (ssize_t)d->undo[k].len)
				die(EXIT_SYSTEM, "cut: restoring %zu durable bytes: %s", d->undo[k].len, strerror(errno));
			dropped += d->undo[k].len;
		}
		if (ftruncate(d->fd, d->durable_size) != 0)
			die(EXIT_SYSTEM, "cut: truncating to the durable size: %s", strerror(errno));
		dirty_free(ndirty - 1);
	}
	cut_done = 1;
	printf("cut files=%zu bytes=%llu%s\n", files, dropped, undo_full ? " undo=full" : "");
	fflush(stdout);
}

/* ---- the file system's operations: BACKING's, with the bookkeeping above ---- */

static void *pc_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* The kernel keeps nothing of its own: what a process sees is what BACKING holds. */
	cfg->attr_timeout = cfg->entry_timeout = cfg->negative_timeout = 0;
	cfg->hard_remove = 1;
	cfg->use_ino = 1;
	return NULL;
}

static int pc_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	int r = fi ? fstat(handle_of(fi)->fd, st) : fstatat(root_fd, rel(path), st, AT_SYMLINK_NOFOLLOW);
	return r ? -errno : 0;
}

static int pc_access(const char *path, int mask)
{
	return faccessat(root_fd, rel(path), mask, 0) ? -errno : 0;
}

static int pc_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off; (void)fi; (void)flags;
	int fd = openat(root_fd, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	struct dirent *e;
	while ((e = readdir(dir)))
		if (fill(buf, e->d_name, NULL, 0, 0))
			break;
	closedir(dir);
	return 0;
}

static int pc_mkdir(const char *path, mode_t mode)
{
	if (cut_done) return -EIO;
	return mkdirat(root_fd, rel(path), mode) ? -errno : 0;
}

/* An inode's record is dropped when its last name goes (nothing left to roll back). */
static void forget_if_last(const char *path)
{
	struct stat st;
	if (fstatat(root_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1)
		dirty_forget(st.st_ino);
}

static int pc_unlink(const char *path)
{
	if (cut_done) return -EIO;
	forget_if_last(path);
	return unlinkat(root_fd, rel(path), 0) ? -errno : 0;
}

static int pc_rmdir(const char *path)
{
	if (cut_done) return -EIO;
	return unlinkat(root_fd, rel(path), AT_REMOVEDIR) ? -errno : 0;
}

static int pc_rename(const char *from, const char *to, unsigned int flags)
{
	if (cut_done) return -EIO;
	if (!(flags & RENAME_EXCHANGE))
		forget_if_last(to);
	return renameat2(root_fd, rel(from), root_fd, rel(to), flags) ? -errno : 0;
}

static int pc_link(const char *from, const char *to)
{
	if (cut_done) return -EIO;
	return linkat(root_fd, rel(from), root_fd, rel(to), 0) ? -errno : 0;
}

static int pc_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (cut_done) return -EIO;
	int r = fi ? fchmod(handle_of(fi)->fd, mode) : fchmodat(root_fd, rel(path), mode, 0);
	return r ? -errno : 0;
}

static int pc_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	if (cut_done) return -EIO;
	int r = fi ? futimens(handle_of(fi)->fd, tv) : utimensat(root_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW);
	return r ? -errno : 0;
}

static int truncate_fd(int fd, void *arg)
{
	off_t size = *(off_t *)arg;
	int r = before_change(fd, size, -1);
	return r ? r : ftruncate(fd, size) ? -errno : 0;
}

static int pc_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	return fi ? truncate_fd(handle_of(fi)->fd, &size) : with_path_fd(path, truncate_fd, &size);
}

static int open_backing(const char *path, struct fuse_file_info *fi, int flags, mode_t mode)
{
	/* O_TRUNC is a change like any other: through truncate_fd, durable bytes kept. */
	int fd = openat(root_fd, rel(path), (flags & ~(O_TRUNC | O_APPEND)) | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (flags & O_TRUNC) {
		off_t zero = 0;
		int r = truncate_fd(fd, &zero);
		if (r) {
			close(fd);
			return r;
		}
	}
	struct handle *h = xmalloc(sizeof *h);
	*h = (struct handle){ fd, (flags & O_APPEND) != 0 };
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

static int pc_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (cut_done) return -EIO;
	return open_backing(path, fi, fi->flags | O_CREAT, mode);
}

static int pc_open(const char *path, struct fuse_file_info *fi)
{
	if (cut_done && (fi->flags & (O_TRUNC | O_ACCMODE)) != O_RDONLY)
		return -EIO;
	return open_backing(path, fi, fi->flags, 0);
}

static int pc_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	ssize_t n = pread(handle_of(fi)->fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int pc_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	struct handle *h = handle_of(fi);
	if (h->append) {
		struct stat st;
		if (fstat(h->fd, &st) != 0)
			return -errno;
		off = st.st_size;
	}
	int r = before_change(h->fd, off, (off_t)size);
	if (r)
		return r;
	ssize_t n = pwrite(h->fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

/* The one way data becomes durable: a sync of the file it was written to. */
static int pc_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path; (void)datasync;
	if (cut_done)
		return -EIO;
	struct stat st;
	if (fstat(handle_of(fi)->fd, &st) != 0)
		return -errno;
	dirty_forget(st.st_ino);
	return 0;
}

static int pc_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path; (void)datasync; (void)fi;
	return cut_done ? -EIO : 0;
}

static int pc_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
	(void)path;
	int fd = handle_of(fi)->fd;
	if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))
		return -EOPNOTSUPP;
	/* Punching or zeroing overwrites bytes; plain allocation changes none. */
	int r = before_change(fd, off, (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) ? len : 0);
	return r ? r : fallocate(fd, mode, off, len) ? -errno : 0;
}

static int pc_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return fstatvfs(root_fd, st) ? -errno : 0;
}

static int pc_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path; (void)fi;
	return 0;
}

static int pc_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	struct handle *h = handle_of(fi);
	close(h->fd);
	free(h);
	return 0;
}

static const struct fuse_operations ops = {
	.init = pc_init, .getattr = pc_getattr, .access = pc_access, .readdir = pc_readdir,
	.mkdir = pc_mkdir, .unlink = pc_unlink, .rmdir = pc_rmdir, .rename = pc_rename,
	.link = pc_link, .chmod = pc_chmod, .utimens = pc_utimens, .truncate = pc_truncate,
	.create = pc_create, .open = pc_open, .read = pc_read, .write = pc_write,
	.fsync = pc_fsync, .fsyncdir = pc_fsyncdir, .fallocate = pc_fallocate,
	.statfs = pc_statfs, .flush = pc_flush, .release = pc_release,
};

/* ---- the loop: the kernel's requests and the commands, one at a time ---- */

/* One command line from stdin; 0 at EOF. */
static int command(void)
{
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return 0;
	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line, "cut") == 0)
		cut();
	else
		warnx_("unknown command \"%s\" (the commands: cut; EOF unmounts)", line);
	return 1;
}

static struct fuse *mount_layer(const char *backing, const char *mountpoint)
{
	root_fd = open(backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die(EXIT_USAGE, "%s: %s (the backing directory)", backing, strerror(errno));
	char *argv[] = { (char *)progname, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse *f = fuse_new(&args, &ops, sizeof ops, NULL);
	fuse_opt_free_args(&args);
	if (!f)
		die(EXIT_SYSTEM, "cannot start a FUSE file system");
	if (fuse_mount(f, mountpoint) != 0)
		die(EXIT_SYSTEM, "%s: cannot mount a FUSE file system here (is /dev/fuse usable? as a user, fusermount3 from Debian's fuse3)", mountpoint);
	return f;
}

static int serve(const char *backing, const char *mountpoint)
{
	struct fuse *f = mount_layer(backing, mountpoint);
	struct fuse_session *se = fuse_get_session(f);
	fuse_set_signal_handlers(se);
	printf("ready\n");
	fflush(stdout);
	/* Non-blocking: a request that poll saw can be gone by the read (its process was
	 * killed before the request was read, as every cut kills), and a blocking read
	 * would then wait for a request that never comes, with a command unread. */
	int fuse_fd = fuse_session_fd(se);
	if (fcntl(fuse_fd, F_SETFL, fcntl(fuse_fd, F_GETFL) | O_NONBLOCK) != 0)
		die(EXIT_SYSTEM, "/dev/fuse: %s", strerror(errno));
	struct fuse_buf buf = { 0 };
	int stdin_open = 1;
	while (stdin_open && !fuse_session_exited(se)) {
		struct pollfd p[2] = { { fileno(stdin), POLLIN, 0 }, { fuse_fd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_SYSTEM, "poll: %s", strerror(errno));
		}
		/* A command first: a cut ends the power before the next request is served. */
		if (p[0].revents)
			stdin_open = command();
		if (stdin_open && (p[1].revents & POLLIN)) {
			int r = fuse_session_receive_buf(se, &buf);
			if (r == -EINTR || r == -EAGAIN)
				continue;
			if (r <= 0)
				break;
			fuse_session_process_buf(se, &buf);
		}
	}
	free(buf.mem);
	fuse_remove_signal_handlers(se);
	fuse_unmount(f);
	fuse_destroy(f);
	return 0;
}

/* Mounts a layer over an empty directory under DIR and unmounts it. */
static int check(const char *dir)
{
	char *backing = xasprintf("%s/.powercut-check.XXXXXX", dir);
	if (!mkdtemp(backing))
		die(EXIT_SYSTEM, "%s: cannot make a directory there: %s", dir, strerror(errno));
	char *mnt = xasprintf("%s/mnt", backing);
	if (mkdir(mnt, 0700) != 0)
		die(EXIT_SYSTEM, "%s: %s", mnt, strerror(errno));
	root_fd = open(backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *argv[] = { (char *)progname, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse *f = fuse_new(&args, &ops, sizeof ops, NULL);
	fuse_opt_free_args(&args);
	int ok = f && fuse_mount(f, mnt) == 0;
	if (ok)
		fuse_unmount(f);
	if (f)
		fuse_destroy(f);
	close(root_fd);
	rmdir(mnt);
	rmdir(backing);
	free(mnt);
	free(backing);
	if (!ok)
		die(EXIT_SYSTEM, "a FUSE file system cannot be mounted under %s here (/dev/fuse missing or not usable, or no fusermount3: apt-get install fuse3)", dir);
	printf("powercut: a power-cut layer mounts under %s\n", dir);
	return 0;
}

int main(int argc, char **argv)
{
	const char *check_dir = NULL;
	struct opt_spec specs[] = {
		{ OPT_STRING("check", "DIR", &check_dir, NULL, "mount a layer under DIR and unmount it: can one run here? (exit 0, or 4 saying why not)") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "powercut",
		.operands = "BACKING MOUNTPOINT",
		.summary = "A FUSE passthrough of BACKING at MOUNTPOINT that keeps, per file, what a sync of that\n"
		"file made durable.  Prints \"ready\"; then \"cut\" on stdin drops everything else, as a\n"
		"power cut would (\"cut files=N bytes=M\"); EOF unmounts.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (check_dir && first == argc)
		return check(check_dir);
	if (check_dir || argc - first != 2)
		die(EXIT_USAGE, "usage: powercut BACKING MOUNTPOINT | powercut --check DIR (--help)");
	return serve(argv[first], argv[first + 1]);
}
