/* Output paths: how each kind of path is written, and loud write errors.
 * The rules are in portsniff/outfile.h and portsniff(1), FILES. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "portsniff/outfile.h"

#define BUFFER_BYTES (64u * 1024u)
#define MAX_LINKS 40            /* as the kernel's limit on nested links */

struct ps_outfile {
    struct ps_outfile_buf buf;  /* first: outfile_commit_bytes reaches it */
    ps_outfile_kind kind;
    int fd;                     /* -1 between units of a replaced file */
    int failed;
    char *name;                 /* as given, for messages */
    char *target;               /* replaced files: the path renamed over */
    char *tmp;                  /* replaced files: the open unit's temporary */
    char *canon;                /* replaced files: the target with its directory's real path */
    mode_t mode;                /* replaced files: mode (and owner) to give */
    uid_t uid;
    gid_t gid;
    int keep_owner;             /* replaced an existing file: keep its owner */
    dev_t dev;                  /* what was opened, for outfile_same */
    ino_t ino;
    int is_chr;                 /* a character device (shareable) */
    FILE *stream;
};

static void (*error_hook)(void);
/* Set from whichever thread writes (live capture workers). */
static atomic_int any_failed, stdout_broken;

void outfile_set_error_hook(void (*hook)(void))
{
    error_hook = hook;
}

int outfile_failed(const ps_outfile *o) { return o->failed; }
int outfile_any_failed(void) { return any_failed; }
int outfile_stdout_broken(void) { return stdout_broken; }
const char *outfile_name(const ps_outfile *o) { return o->name; }
ps_outfile_kind outfile_kind(const ps_outfile *o) { return o->kind; }

int outfile_same(const ps_outfile *a, const ps_outfile *b)
{
    if (a->kind == PS_OUT_STDOUT && b->kind == PS_OUT_STDOUT)
        return 1;
    if (a->canon && b->canon && strcmp(a->canon, b->canon) == 0)
        return 1;
    /* Two streams may share a terminal or /dev/null, as stdout and stderr do. */
    if (a->is_chr || b->is_chr)
        return 0;
    return a->ino && a->dev == b->dev && a->ino == b->ino;
}

/* The first error of an output is printed; later ones are the same story. */
static void fail(ps_outfile *o, int err)
{
    if (o->failed)
        return;
    o->failed = 1;
    o->buf.len = 0;
    any_failed = 1;
    if (o->kind == PS_OUT_STDOUT && err == EPIPE)
        stdout_broken = 1;
    else
        fprintf(stderr, "portsniff: %s: write error: %s\n", o->name, strerror(err));
    if (error_hook)
        error_hook();
}

static int write_all(ps_outfile *o, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* A non-blocking descriptor we were handed (standard output):
             * wait until it takes more rather than lose records. */
            struct pollfd pfd = {.fd = o->fd, .events = POLLOUT};
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
                fail(o, errno);
                return -1;
            }
        } else {
            fail(o, w < 0 ? errno : EIO);
            return -1;
        }
    }
    return 0;
}

int outfile_flush(ps_outfile *o)
{
    if (o->failed)
        return -1;
    if (o->buf.len == 0 || o->kind == PS_OUT_MEMORY)
        return 0;
    if (o->fd < 0) {
        /* Between units: nothing may be written until the next begins. */
        fail(o, EBADF);
        return -1;
    }
    size_t n = o->buf.len;
    o->buf.len = 0;
    return write_all(o, o->buf.data, n);
}

/* An output in memory makes room for n more bytes; 0, or -1 (failed). */
static int grow(ps_outfile *o, size_t n)
{
    size_t cap = o->buf.cap;
    while (cap - o->buf.len < n)
        cap *= 2;
    char *data = realloc(o->buf.data, cap);
    if (!data) {
        fail(o, ENOMEM);
        return -1;
    }
    o->buf.data = data;
    o->buf.cap = cap;
    return 0;
}

char *outfile_reserve(ps_outfile *o, size_t n)
{
    if (o->buf.cap - o->buf.len < n) {
        if (o->kind == PS_OUT_MEMORY && !o->failed && grow(o, n) == 0)
            return o->buf.data + o->buf.len;
        outfile_flush(o);
        /* A failed output keeps accepting (and dropping) what it is given. */
        o->buf.len = 0;
    }
    return o->buf.data + o->buf.len;
}

int outfile_write(ps_outfile *o, const void *data, size_t n)
{
    if (o->failed)
        return -1;
    if (n > o->buf.cap - o->buf.len) {
        if (o->kind == PS_OUT_MEMORY ? grow(o, n) != 0 : outfile_flush(o) != 0)
            return -1;
        if (n > o->buf.cap - o->buf.len)
            return write_all(o, data, n);
    }
    memcpy(o->buf.data + o->buf.len, data, n);
    o->buf.len += n;
    return 0;
}

static ssize_t stream_write(void *cookie, const char *data, size_t n)
{
    ps_outfile *o = cookie;
    if (outfile_write(o, data, n) != 0) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)n;
}

FILE *outfile_stream(ps_outfile *o)
{
    if (!o->stream) {
        cookie_io_functions_t io = {.write = stream_write};
        o->stream = fopencookie(o, "w", io);
        if (o->stream)
            setvbuf(o->stream, NULL, _IONBF, 0);
    }
    return o->stream;
}

/* dirname and basename of a path, without touching it. */
static int split_path(const char *path, char **dir, char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        *dir = strdup(".");
        *base = strdup(path);
    } else {
        size_t dlen = slash == path ? 1 : (size_t)(slash - path);
        *dir = strndup(path, dlen);
        *base = strdup(slash + 1);
    }
    if (!*dir || !*base) {
        free(*dir);
        free(*base);
        return -1;
    }
    return 0;
}

/* The kernel's protected_symlinks rule (fs.protected_symlinks = 1): a link
 * in a sticky, world-writable directory is followed only when it belongs to
 * the directory's owner or to us. Our own resolution below must not be
 * weaker than open() would be. */
static int link_is_protected(const char *link, const struct stat *lst)
{
    char *dir, *base;
    struct stat dst;
    int refuse = 0;

    if (split_path(link, &dir, &base) != 0)
        return 0;
    if (stat(dir, &dst) == 0 && (dst.st_mode & S_ISVTX) && (dst.st_mode & S_IWOTH) &&
        lst->st_uid != dst.st_uid && lst->st_uid != geteuid())
        refuse = 1;
    free(dir);
    free(base);
    return refuse;
}

/* Follows PATH's symbolic links to the path they finally name (which need
 * not exist). 0 with *out allocated, or an errno value; EPERM for a
 * protected link. */
static int resolve_links(const char *path, char **out)
{
    char *cur = strdup(path);

    for (int depth = 0; cur; depth++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            *out = cur;
            return 0;
        }
        if (depth == MAX_LINKS) {
            free(cur);
            return ELOOP;
        }
        if (link_is_protected(cur, &st)) {
            free(cur);
            return EPERM;
        }
        char target[PATH_MAX];
        ssize_t n = readlink(cur, target, sizeof(target) - 1);
        if (n < 0) {
            int err = errno;
            free(cur);
            return err;
        }
        target[n] = '\0';
        char *next;
        if (target[0] == '/') {
            next = strdup(target);
        } else {
            char *dir, *base;
            if (split_path(cur, &dir, &base) != 0) {
                free(cur);
                return ENOMEM;
            }
            next = malloc(strlen(dir) + strlen(target) + 2);
            if (next)
                sprintf(next, "%s/%s", dir, target);
            free(dir);
            free(base);
        }
        free(cur);
        cur = next;
    }
    return ENOMEM;
}

static mode_t current_umask(void)
{
    mode_t m = umask(0);
    umask(m);
    return m;
}

/* The next unit's temporary, created exclusively beside the target. */
static int create_temp(ps_outfile *o)
{
    char *dir, *base;
    if (split_path(o->target, &dir, &base) != 0)
        return ENOMEM;
    size_t len = strlen(dir) + strlen(base) + 16;
    char *tmp = malloc(len);
    int err = 0;
    if (!tmp) {
        err = ENOMEM;
    } else {
        snprintf(tmp, len, "%s/.%s.XXXXXX", dir, base);
        /* mkostemp opens with O_CREAT | O_EXCL and mode 0600. */
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
            err = errno;
            free(tmp);
        } else {
            /* The mode the replaced file had, or what a new file would get;
             * as root, its owner too. */
            if (fchmod(fd, o->mode) != 0) {
                /* Not fatal: the temporary stays 0600. */
            }
            if (o->keep_owner && geteuid() == 0 && fchown(fd, o->uid, o->gid) != 0) {
                /* Best effort, as cp -p. */
            }
            o->fd = fd;
            o->tmp = tmp;
        }
    }
    free(dir);
    free(base);
    return err;
}

static int connect_socket(const char *path, int *fd_out)
{
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof(sa.sun_path))
        return ENAMETOOLONG;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int err = errno;
        close(fd);
        return err;
    }
    *fd_out = fd;
    return 0;
}

/* Decides how PATH is written and opens it. 0, or an errno value; *why is
 * set for refusals that no errno names. */
static int open_path(ps_outfile *o, const char *path, const char **why)
{
    struct stat st;

    /* Links are followed to what they finally name: the link stays a link. */
    int err = resolve_links(path, &o->target);
    if (err == EPERM) {
        *why = "symbolic link in a sticky world-writable directory, owned by someone else; not followed";
        return -1;
    }
    if (err)
        return err;

    /* stat follows links, including /proc's magic ones (/dev/stdout), which
     * lead to FIFOs and terminals that no path names. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        free(o->target);
        o->target = NULL;
        if (S_ISDIR(st.st_mode))
            return EISDIR;
        if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
            o->kind = PS_OUT_INPLACE;
            o->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
            if (o->fd < 0)
                return errno;
        } else if (S_ISSOCK(st.st_mode)) {
            o->kind = PS_OUT_SOCKET;
            if ((err = connect_socket(path, &o->fd)) != 0)
                return err;
        } else {
            *why = S_ISBLK(st.st_mode) ? "is a block device (give a file, FIFO or character device)"
                                       : "is not a file, FIFO, character device or socket";
            return -1;
        }
        struct stat fst;
        if (fstat(o->fd, &fst) == 0) {
            o->dev = fst.st_dev;
            o->ino = fst.st_ino;
            o->is_chr = S_ISCHR(fst.st_mode);
        }
        return 0;
    }

    /* A regular file or a new path: replaced through a temporary. */
    o->kind = PS_OUT_REPLACE;
    if (lstat(o->target, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            /* Changed under us since the stat above. */
            *why = "is not a regular file";
            return -1;
        }
        o->mode = st.st_mode & 07777;
        o->uid = st.st_uid;
        o->gid = st.st_gid;
        o->keep_owner = 1;
        o->dev = st.st_dev;
        o->ino = st.st_ino;
    } else if (errno == ENOENT) {
        o->mode = 0666 & ~current_umask();
    } else {
        return errno;
    }
    if ((err = create_temp(o)) != 0)
        return err;
    /* Two names for one new file (a/../f, ./f) are told apart by this. */
    char *dir, *base, *real;
    if (split_path(o->target, &dir, &base) == 0) {
        if ((real = realpath(dir, NULL)) != NULL) {
            o->canon = malloc(strlen(real) + strlen(base) + 2);
            if (o->canon)
                sprintf(o->canon, "%s/%s", real, base);
            free(real);
        }
        free(dir);
        free(base);
    }
    return 0;
}

ps_outfile *outfile_memory(const char *name)
{
    ps_outfile *o = calloc(1, sizeof(*o));
    if (!o || !(o->buf.data = malloc(BUFFER_BYTES)) || !(o->name = strdup(name))) {
        if (o)
            free(o->buf.data);
        free(o);
        return NULL;
    }
    o->buf.cap = BUFFER_BYTES;
    o->kind = PS_OUT_MEMORY;
    o->fd = -1;
    return o;
}

const char *outfile_memory_data(const ps_outfile *o, size_t *len)
{
    *len = o->buf.len;
    return o->buf.data;
}

int outfile_move_to(ps_outfile *from, ps_outfile *to)
{
    if (from->failed)
        return -1;
    int rc = outfile_write(to, from->buf.data, from->buf.len);
    from->buf.len = 0;
    return rc;
}

ps_outfile *outfile_open(const char *path)
{
    int std = strcmp(path, "-") == 0;
    ps_outfile *o = calloc(1, sizeof(*o));
    const char *why = NULL;
    int err = 0;

    if (!o || !(o->buf.data = malloc(BUFFER_BYTES)) ||
        !(o->name = strdup(std ? "standard output" : path))) {
        err = ENOMEM;
    } else {
        o->buf.cap = BUFFER_BYTES;
        o->fd = -1;
        if (std) {
            struct stat st;
            o->kind = PS_OUT_STDOUT;
            o->fd = STDOUT_FILENO;
            if (fstat(o->fd, &st) != 0) {
                err = errno;
            } else {
                o->dev = st.st_dev;
                o->ino = st.st_ino;
                o->is_chr = S_ISCHR(st.st_mode);
            }
        } else {
            err = open_path(o, path, &why);
        }
    }
    if (err || why) {
        fprintf(stderr, "portsniff: %s: cannot write: %s\n", std ? "standard output" : path,
                why ? why : strerror(err));
        if (o) {
            if (o->fd >= 0 && o->kind != PS_OUT_STDOUT)
                close(o->fd);
            free(o->buf.data);
            free(o->name);
            free(o->target);
            free(o->canon);
            if (o->tmp)
                unlink(o->tmp);
            free(o->tmp);
            free(o);
        }
        return NULL;
    }
    return o;
}

int outfile_begin_unit(ps_outfile *o)
{
    if (o->failed)
        return -1;
    if (o->kind != PS_OUT_REPLACE || o->fd >= 0)
        return 0;
    int err = create_temp(o);
    if (err) {
        fail(o, err);
        return -1;
    }
    return 0;
}

/* After the rename, the directory entry itself is made durable. */
static void sync_dir(const char *target)
{
    char *dir, *base;
    if (split_path(target, &dir, &base) != 0)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);   /* not every file system can; the data is already safe */
        close(fd);
    }
    free(dir);
    free(base);
}

static void discard_unit(ps_outfile *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
}

int outfile_end_unit(ps_outfile *o)
{
    if (o->stream)
        fflush(o->stream);
    if (outfile_flush(o) != 0)
        return -1;
    if (o->kind != PS_OUT_REPLACE || o->fd < 0)
        return 0;
    int err = 0;
    if (fsync(o->fd) != 0)
        err = errno;
    if (close(o->fd) != 0 && !err)
        err = errno;
    o->fd = -1;
    if (!err && rename(o->tmp, o->target) != 0)
        err = errno;
    if (err) {
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        fail(o, err);
        return -1;
    }
    free(o->tmp);
    o->tmp = NULL;
    sync_dir(o->target);
    return 0;
}

int outfile_close(ps_outfile *o)
{
    if (!o)
        return 0;
    if (!o->failed)
        outfile_end_unit(o);
    return outfile_abort(o);
}

int outfile_abort(ps_outfile *o)
{
    if (!o)
        return 0;
    if (o->kind == PS_OUT_REPLACE) {
        discard_unit(o);
    } else if (o->kind != PS_OUT_STDOUT && o->fd >= 0) {
        if (close(o->fd) != 0 && !o->failed)
            fail(o, errno);
    }
    if (o->stream)
        fclose(o->stream);   /* the cookie has no close: nothing more happens */
    int rc = o->failed ? -1 : 0;
    free(o->buf.data);
    free(o->name);
    free(o->target);
    free(o->canon);
    free(o->tmp);
    free(o);
    return rc;
}
