/* Capture sources and the loops: saved files (pcap, pcapng, stdin) one after
 * another into the calling thread (a regular file read ahead by a thread of
 * its own, readahead.h); or a live interface read by one worker
 * thread per handle (--workers N: N handles in one kernel fanout group), the
 * calling thread asking for interval reports and waiting for the stop. BPF,
 * signals, pcap_stats. Frames go to a ps_capture_sink: this file does not
 * know what is done with them. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/socket.h>
#endif

#include "portsniff/capture.h"
#include "portsniff/dissect.h"
#include "readahead.h"
#include "slab_reserve.h"

#define DEFAULT_SNAPLEN 262144
/* The kernel hands a partly filled block over this long after its first
 * packet (TPACKET_V3's block timeout), and an idle worker wakes this often
 * to let flows time out: it bounds how late a flow ends or a report comes. */
#define LIVE_POLL_MS 100
/* A stopped capture reads what the kernel had already captured for it; this
 * bounds the wait when the kernel's count cannot be met (a filter applied
 * in user space counts packets that never reach the loop). */
#define DRAIN_MAX_NS (2 * 1000000000LL)

enum { STOP_NONE = 0, STOP_DRAIN, STOP_NOW };

/* STOP_DRAIN: stop once what the kernel already holds is read (a signal);
 * STOP_NOW: stop at once (an output failed, nothing more can be written).
 * Lock-free atomics, so a signal handler may set it. */
static atomic_int stop_requested;
/* Written to (never read) when a stop is requested, so that every thread
 * waiting in poll() wakes at once; -1 when no live capture is open. */
static atomic_int wake_write_fd = -1;
static int wake_read_fd = -1;

static void wake_all(void)
{
    int fd = atomic_load(&wake_write_fd);

    if (fd >= 0) {
        int saved = errno;
        ssize_t n = write(fd, "x", 1);
        (void)n;   /* a full pipe is awake already */
        errno = saved;
    }
}

void capture_request_stop(void)
{
    int none = STOP_NONE;

    atomic_compare_exchange_strong(&stop_requested, &none, STOP_DRAIN);
    wake_all();
}

void capture_request_abort(void)
{
    atomic_store(&stop_requested, STOP_NOW);
    wake_all();
}

static int stop_state(void)
{
    return atomic_load_explicit(&stop_requested, memory_order_relaxed);
}

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t wall_clock_ns(void)
{
    return clock_ns(CLOCK_REALTIME);
}

/* t + d for d >= 0, stopping at the end of representable time. */
static int64_t add_ns(int64_t t, int64_t d)
{
    return t > INT64_MAX - d ? INT64_MAX : t + d;
}

/* The first deadline after now_ns in a series next, next + step, ...: the
 * intervals a quiet period spanned are skipped, not fired back to back.
 * Computed rather than stepped: a file's clock may jump by centuries, which
 * would be trillions of steps. */
static int64_t next_deadline(int64_t next, int64_t step, int64_t now_ns)
{
    int64_t spanned = (now_ns - next) / step;
    return add_ns(next + spanned * step, step);
}

int64_t capture_timestamp_ns(int64_t sec, int64_t frac, int nano)
{
    const int64_t ns_per_s = 1000000000;

    if (sec < 0)
        return 0;
    if (frac < 0)
        frac = 0;
    if (!nano)
        frac = frac > INT64_MAX / 1000 ? INT64_MAX : frac * 1000;
    if (sec > (INT64_MAX - frac) / ns_per_s)
        return INT64_MAX;
    return sec * ns_per_s + frac;
}

static int apply_filter(pcap_t *pc, const char *filter)
{
    struct bpf_program prog;

    if (!filter)
        return PS_EXIT_OK;
    if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        fprintf(stderr, "portsniff: bad filter expression '%s': %s\n", filter, pcap_geterr(pc));
        return PS_EXIT_USAGE;
    }
    if (pcap_setfilter(pc, &prog) < 0) {
        fprintf(stderr, "portsniff: cannot set filter '%s': %s\n", filter, pcap_geterr(pc));
        pcap_freecode(&prog);
        return PS_EXIT_INPUT;
    }
    pcap_freecode(&prog);
    return PS_EXIT_OK;
}

static void note_link_type(const char *name, int dlt)
{
    const char *dlt_name = pcap_datalink_val_to_name(dlt);

    if (dissect_link_supported(dlt))
        return;
    /* libpcap has no name for many values (USER0-15, newer types): the
     * number alone then names it. */
    if (dlt_name)
        fprintf(stderr, "portsniff: %s: link type %s (%d) is not decoded; its packets are counted as unsupported\n",
                name, dlt_name, dlt);
    else
        fprintf(stderr, "portsniff: %s: link type %d is not decoded; its packets are counted as unsupported\n",
                name, dlt);
}

static char deferred_error[PCAP_ERRBUF_SIZE + 256];

const char *capture_deferred_error(void)
{
    return deferred_error[0] ? deferred_error : NULL;
}

/* libpcap reads a saved file through stdio, whose default 4 KiB buffer costs
 * a read() every few packets; the kernel's copy into a buffer that is not
 * page-aligned can also run at half speed. A page-aligned 256 KiB buffer
 * makes reading a large file markedly cheaper (bench/RESULTS.md). */
#define FILE_BUFFER_BYTES (256u * 1024u)

static pcap_t *open_file(const char *path, char *errbuf, void **buffer)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    pcap_t *pc;

    *buffer = NULL;
    if (!fp) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: %s", path, strerror(errno));
        return NULL;
    }
    /* Not for stdin: its buffer would outlive the capture that freed it. */
    if (!is_stdin)
        *buffer = aligned_alloc(4096, FILE_BUFFER_BYTES);
    if (*buffer && setvbuf(fp, *buffer, _IOFBF, FILE_BUFFER_BYTES) != 0) {
        free(*buffer);
        *buffer = NULL;
    }
    /* One thread at a time reads the stream (the read-ahead thread, or the
     * main thread when there is none), so stdio's per-call lock, taken twice
     * a packet once the process has a second thread, buys nothing: it cost
     * the read-ahead thread about 150 ns a packet (bench/RESULTS.md). */
    __fsetlocking(fp, FSETLOCKING_BYCALLER);
    pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc) {
        if (!is_stdin)
            fclose(fp);
        free(*buffer);
        *buffer = NULL;
    }
    return pc;
}

static const char *activate_error(int status)
{
    switch (status) {
    case PCAP_ERROR_NO_SUCH_DEVICE: return "no such interface (portsniff -D lists them)";
    case PCAP_ERROR_PERM_DENIED: return "no permission to capture (run as root or grant CAP_NET_RAW)";
    case PCAP_ERROR_PROMISC_PERM_DENIED: return "no permission to enable promiscuous mode (try -p)";
    case PCAP_ERROR_IFACE_NOT_UP: return "interface is down";
    case PCAP_ERROR_RFMON_NOTSUP: return "monitor mode not supported";
    default: return NULL;
    }
}

/* -i N: as tcpdump, a number that names no interface is the index -D
 * prints. Returns the name to open (o->iface itself, or copied into buf),
 * or NULL after printing why not. */
static const char *resolve_iface(const char *iface, char *buf, size_t len)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *all, *d;
    const char *p = iface;
    unsigned long index = 0;
    int i = 1, named = 0;

    while (*p >= '0' && *p <= '9' && index < 100000)
        index = index * 10 + (unsigned long)(*p++ - '0');
    if (*p || p == iface)
        return iface;
    if (pcap_findalldevs(&all, errbuf) < 0)
        return iface;   /* pcap_create reports what is wrong */
    for (d = all; d; d = d->next)
        named |= strcmp(d->name, iface) == 0;
    const char *found = named ? iface : NULL;
    for (d = all; d && !named; d = d->next, i++)
        if ((unsigned long)i == index && strlen(d->name) < len) {
            memcpy(buf, d->name, strlen(d->name) + 1);
            found = buf;
        }
    pcap_freealldevs(all);
    if (!found)
        fprintf(stderr, "portsniff: -i %s: no interface has that index (see portsniff -D)\n", iface);
    return found;
}

static int drop_privileges(const char *user)
{
    struct passwd *pw = getpwnam(user);

    if (!pw) {
        fprintf(stderr, "portsniff: -Z %s: no such user\n", user);
        return PS_EXIT_USAGE;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "portsniff: -Z %s: cannot drop privileges: %s\n", user, strerror(errno));
        return PS_EXIT_INPUT;
    }
    /* Regaining root must now fail; if it does not, the drop did not take. */
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        fprintf(stderr, "portsniff: -Z %s: privileges could not be dropped\n", user);
        return PS_EXIT_INPUT;
    }
    return PS_EXIT_OK;
}


/* ---- live sources ---- */

struct ps_capture {
    const ps_capture_opts *opts;
    int nlive;                     /* live handles, one per worker; 0 for files */
    pcap_t *live[PS_MAX_WORKERS];
    int fanout;                    /* the handles are in a fanout group */
    /* With a fanout group: frames stamped before every handle had joined
     * were captured by each handle alike, so they are not counted. */
    int64_t start_ns;
};

/* pcap_stats over a live handle, with libpcap's unsigned 32-bit counts. */
static int read_kernel_counts(pcap_t *pc, ps_kernel_counts *k)
{
    struct pcap_stat st;

    if (pcap_stats(pc, &st) != 0)
        return -1;
    k->received = st.ps_recv;
    k->dropped = st.ps_drop;
    k->if_dropped = st.ps_ifdrop;
    return 0;
}

/* The interface created and activated, with -y's link type when given. */
static pcap_t *open_live(const ps_capture_opts *o, int *rc)
{
    char errbuf[PCAP_ERRBUF_SIZE], name_buf[256];
    const char *iface = resolve_iface(o->iface, name_buf, sizeof(name_buf));
    pcap_t *pc;
    int status;

    *rc = PS_EXIT_INPUT;
    if (!iface)
        return NULL;
    pc = pcap_create(iface, errbuf);
    if (!pc) {
        fprintf(stderr, "portsniff: %s: %s\n", o->iface, errbuf);
        return NULL;
    }
    pcap_set_snaplen(pc, o->snaplen ? o->snaplen : DEFAULT_SNAPLEN);
    pcap_set_promisc(pc, o->promisc);
    /* Not immediate mode unless asked for: on Linux that means TPACKET_V2, a
     * ring of fixed frames sized for the snapshot length, and a wake-up and
     * a poll() per packet. Blocks (TPACKET_V3) pack packets densely and are
     * handed over when full or LIVE_POLL_MS after their first packet, so the
     * loop takes hundreds of packets per wake-up at high rates. */
    if (o->immediate)
        pcap_set_immediate_mode(pc, 1);
    else
        pcap_set_timeout(pc, LIVE_POLL_MS);
    pcap_set_buffer_size(pc, (o->buffer_kib > 0 ? o->buffer_kib : PS_DEFAULT_LIVE_BUFFER_KIB) * 1024);
    pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
    status = pcap_activate(pc);
    if (status < 0) {
        const char *why = activate_error(status);
        if (why && (status != PCAP_ERROR_PERM_DENIED || !*pcap_geterr(pc)))
            fprintf(stderr, "portsniff: %s: %s\n", o->iface, why);
        else if (why)
            fprintf(stderr, "portsniff: %s: %s (%s)\n", o->iface, why, pcap_geterr(pc));
        else
            fprintf(stderr, "portsniff: %s: %s\n", o->iface, pcap_geterr(pc));
        pcap_close(pc);
        return NULL;
    }
    if (status > 0)
        fprintf(stderr, "portsniff: warning: %s: %s\n", o->iface, pcap_geterr(pc));
    if (o->dlt >= 0 && pcap_set_datalink(pc, o->dlt) < 0) {
        const char *name = pcap_datalink_val_to_name(o->dlt);
        fprintf(stderr, "portsniff: -y %s: %s does not offer that link type (see portsniff -L -i %s)\n",
                name ? name : "?", iface, iface);
        pcap_close(pc);
        return NULL;
    }
    *rc = PS_EXIT_OK;
    return pc;
}

int capture_list_link_types(const ps_capture_opts *opts)
{
    ps_capture_opts o = *opts;
    int rc, *dlts, n;

    char name_buf[256];
    o.dlt = -1;
    if (!(o.iface = resolve_iface(opts->iface, name_buf, sizeof(name_buf))))
        return PS_EXIT_INPUT;
    pcap_t *pc = open_live(&o, &rc);
    if (!pc)
        return rc;
    n = pcap_list_datalinks(pc, &dlts);
    if (n < 0) {
        fprintf(stderr, "portsniff: %s: %s\n", o.iface, pcap_geterr(pc));
        pcap_close(pc);
        return PS_EXIT_INPUT;
    }
    /* tcpdump's layout: the name -y takes, then libpcap's description. */
    printf("Data link types for %s (use option -y to set):\n", o.iface);
    for (int i = 0; i < n; i++) {
        const char *name = pcap_datalink_val_to_name(dlts[i]);
        const char *desc = pcap_datalink_val_to_description(dlts[i]);
        if (name)
            printf("  %s (%s)%s\n", name, desc ? desc : "not supported",
                   dissect_link_supported(dlts[i]) ? "" : " (not decoded by portsniff)");
        else
            printf("  DLT %d%s\n", dlts[i], dissect_link_supported(dlts[i]) ? "" : " (not decoded by portsniff)");
    }
    pcap_free_datalinks(dlts);
    pcap_close(pc);
    return PS_EXIT_OK;
}


/* Joins the handles into one PACKET_FANOUT group: the kernel hashes each
 * packet's flow symmetrically (both directions alike) and hands it to one
 * handle; with FLAG_DEFRAG it first reassembles IPv4 fragments, so a
 * fragmented datagram reaches one worker as one packet. The first handle
 * asks the kernel for an unused group id, the others join it. */
static int join_fanout(ps_capture *c)
{
#if defined(__linux__) && defined(PACKET_FANOUT)
    unsigned type = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
    unsigned id = 0;

    for (int i = 0; i < c->nlive; i++) {
        int fd = pcap_fileno(c->live[i]);
        unsigned arg = i == 0 ? (type | PACKET_FANOUT_FLAG_UNIQUEID) << 16 : (type << 16) | id;

        if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) != 0) {
            fprintf(stderr, "portsniff: %s: --workers: cannot join a packet fanout group: %s\n",
                    c->opts->iface, strerror(errno));
            return PS_EXIT_INPUT;
        }
        if (i == 0) {
            unsigned got = 0;
            socklen_t len = sizeof(got);
            if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &got, &len) != 0) {
                fprintf(stderr, "portsniff: %s: --workers: cannot read the fanout group: %s\n",
                        c->opts->iface, strerror(errno));
                return PS_EXIT_INPUT;
            }
            id = got & 0xffff;
        }
    }
    c->fanout = 1;
    c->start_ns = wall_clock_ns();
    return PS_EXIT_OK;
#else
    fprintf(stderr, "portsniff: %s: --workers needs Linux packet fanout\n", c->opts->iface);
    return PS_EXIT_USAGE;
#endif
}

/* Opens the interface (a handle per worker, joined to a fanout group), sets
 * the filter and drops privileges, so that what the caller opens next
 * (output files) is opened as the user -Z names, as tcpdump does. Files are
 * opened one by one as capture_run reaches them. */
static int open_live_source(ps_capture *c)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const ps_capture_opts *o = c->opts;
    int n = o->workers > 0 ? o->workers : 1;
    int rc = PS_EXIT_OK;

    for (int i = 0; i < n && rc == PS_EXIT_OK; i++) {
        pcap_t *pc = open_live(o, &rc);
        if (!pc)
            break;
        c->live[c->nlive++] = pc;
        rc = apply_filter(pc, o->filter);
        if (rc == PS_EXIT_OK && pcap_setnonblock(pc, 1, errbuf) < 0) {
            fprintf(stderr, "portsniff: %s: %s\n", o->iface, errbuf);
            rc = PS_EXIT_INPUT;
        }
    }
    if (rc == PS_EXIT_OK && o->workers > 0)
        rc = join_fanout(c);
    if (rc == PS_EXIT_OK && o->drop_user)
        rc = drop_privileges(o->drop_user);
    if (rc != PS_EXIT_OK)
        return rc;
    note_link_type(o->iface, pcap_datalink(c->live[0]));
    return PS_EXIT_OK;
}

static void close_live(ps_capture *c)
{
    for (int i = 0; i < c->nlive; i++)
        pcap_close(c->live[i]);
    c->nlive = 0;
    if (wake_read_fd >= 0) {
        int fd = atomic_exchange(&wake_write_fd, -1);
        close(fd);
        close(wake_read_fd);
        wake_read_fd = -1;
    }
}

static int make_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
    }
    return 0;
}

static void drain_pipe(int fd)
{
    char buf[64];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

int capture_open(const ps_capture_opts *opts, ps_capture **out)
{
    ps_capture *c = calloc(1, sizeof(*c));
    int rc = PS_EXIT_OK;

    *out = NULL;
    if (!c) {
        fprintf(stderr, "portsniff: out of memory\n");
        return PS_EXIT_INPUT;
    }
    c->opts = opts;
    atomic_store(&stop_requested, STOP_NONE);
    if (opts->iface) {
        int fds[2];
        if (make_pipe(fds) != 0) {
            fprintf(stderr, "portsniff: cannot create a pipe: %s\n", strerror(errno));
            free(c);
            return PS_EXIT_INPUT;
        }
        wake_read_fd = fds[0];
        atomic_store(&wake_write_fd, fds[1]);
        rc = open_live_source(c);
    }
    if (rc != PS_EXIT_OK) {
        close_live(c);
        free(c);
        return rc;
    }
    *out = c;
    return PS_EXIT_OK;
}

void capture_close(ps_capture *c)
{
    if (!c)
        return;
    close_live(c);
    free(c);
}

int capture_worker_count(const ps_capture *c)
{
    return c->nlive ? c->nlive : 1;
}

/* ---- saved files: decoded in the calling thread by worker 0 ---- */

struct file_run {
    const ps_capture_opts *opts;
    const ps_capture_sink *sink;
    void *w;
    ps_interval_fn on_interval;
    void *ctx;
    int dlt;
    int nano;                  /* timestamps in ns (else us) */
    uint64_t seen;             /* frames across all files, for -c */
    int64_t interval_ns;
    int64_t next_interval_ns;  /* 0 until the first frame */
    int64_t start_ns;          /* the first frame's time */
    int deferring;             /* the sink leaves work to the read-ahead (sink->defer) */
};

static int file_count_reached(const struct file_run *f)
{
    return f->opts->count && f->seen >= f->opts->count;
}

/* Intervals of a file follow its packet times: consecutive windows
 * [start, end), each ending at its boundary; called before the frame is
 * counted, so that the frame that crosses a boundary opens the next window.
 * A quiet period that spanned several intervals ends in one window, up to the
 * last boundary passed. */
static void file_interval(struct file_run *f, int64_t ts_ns)
{
    if (!f->next_interval_ns) {
        f->start_ns = ts_ns;
        f->next_interval_ns = add_ns(ts_ns, f->interval_ns);
        return;
    }
    if (ts_ns < f->next_interval_ns)
        return;
    int64_t next = next_deadline(f->next_interval_ns, f->interval_ns, ts_ns);
    while (!f->sink->snapshot(f->w))
        ;
    if (f->deferring)
        f->sink->defer(f->w, 0);
    f->on_interval(f->ctx, 0, f->start_ns, next - f->interval_ns);
    if (f->deferring)
        f->sink->defer(f->w, 1);
    f->next_interval_ns = next;
}

/* The next frame read in this thread: 1, 0 at the end of the file, -1 when
 * libpcap failed (pcap_geterr says why). */
static int next_frame(pcap_t *pc, int nano, ps_frame *fr)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int n = pcap_next_ex(pc, &h, &data);

    if (n != 1)
        return n == PCAP_ERROR_BREAK ? 0 : -1;
    fr->data = data;
    fr->caplen = h->caplen;
    fr->len = h->len;
    fr->ts_ns = capture_timestamp_ns(h->ts.tv_sec, h->ts.tv_usec, nano);
    fr->decoded = NULL;
    return 1;
}

/* A regular file is read ahead by a thread of its own when a second CPU can
 * run it: reading then costs the frames' decoding no time of its own
 * (readahead.h). A pipe or terminal on standard input, or a FIFO, is read in
 * this thread: a reader blocked there could not be stopped, and what it
 * would save is the writer's to give. */
static int read_ahead_pays(pcap_t *pc)
{
    FILE *fp = pcap_file(pc);
    struct stat st;

    return fp && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
           sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

static int run_file(struct file_run *f, const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
    void *buffer;
    pcap_t *pc = open_file(path, errbuf, &buffer);
    uint64_t before = f->seen;
    int rc = PS_EXIT_OK;

    if (!pc) {
        /* libpcap names the file itself in some messages ("x.pcap: No such file"). */
        if (strncmp(errbuf, path, strlen(path)) == 0 && errbuf[strlen(path)] == ':')
            fprintf(stderr, "portsniff: %s\n", errbuf);
        else
            fprintf(stderr, "portsniff: %s: %s\n", name, errbuf);
        return PS_EXIT_INPUT;
    }
    f->dlt = pcap_datalink(pc);
    f->nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
    note_link_type(name, f->dlt);
    rc = apply_filter(pc, f->opts->filter);
    if (rc == PS_EXIT_OK && f->sink->source &&
        f->sink->source(f->w, name, f->dlt, pcap_snapshot(pc)) != 0)
        rc = PS_EXIT_INPUT;
    const ps_readahead_decoder dec = {
        .fn = f->sink->decode, .ctx = f->w, .size = f->sink->decoded_size,
        .cold = f->sink->decoded_cold, .dlt = f->dlt,
    };
    const ps_readahead_spare spare = {.fn = f->sink->spare, .ctx = f->w};
    ps_readahead *ra = NULL;
    if (rc == PS_EXIT_OK && read_ahead_pays(pc)) {
        f->deferring = f->sink->defer && f->sink->spare;
        if (f->deferring)
            f->sink->defer(f->w, 1);
        ra = readahead_start(pc, f->nano, f->opts->filter != NULL, dec.fn ? &dec : NULL,
                             f->deferring ? &spare : NULL);
        if (!ra && f->deferring) {
            f->sink->defer(f->w, 0);
            f->deferring = 0;
        }
    }
    while (rc == PS_EXIT_OK && !stop_state() && !file_count_reached(f)) {
        ps_frame fr;
        int n = ra ? readahead_next(ra, &fr) : next_frame(pc, f->nano, &fr);

        if (n == 1) {
            f->seen++;
            if (f->interval_ns && f->on_interval)
                file_interval(f, fr.ts_ns);
            if (fr.decoded)
                f->sink->decoded(f->w, f->dlt, fr.decoded, fr.decoded_cold);
            else
                f->sink->frame(f->w, f->dlt, fr.data, fr.caplen, fr.len, fr.ts_ns);
        } else if (n == 0) {
            break;
        } else {
            /* A damaged or truncated file: keep what was read, say where it stopped
             * after the report. */
            uint64_t got = f->seen - before;
            snprintf(deferred_error, sizeof(deferred_error),
                     "portsniff: %s: %s (stopped after %llu packet%s of this file)",
                     name, ra ? readahead_error(ra) : pcap_geterr(pc), (unsigned long long)got,
                     got == 1 ? "" : "s");
            rc = PS_EXIT_TRUNCATED;
        }
    }
    readahead_stop(ra);
    if (f->deferring)
        f->sink->defer(f->w, 0);
    f->deferring = 0;
    /* pcap_close closes the FILE (not stdin); the buffer outlives it. */
    pcap_close(pc);
    free(buffer);
    return rc;
}

static int run_files(ps_capture *c, const ps_capture_sink *sink, void *w,
                     ps_interval_fn on_interval, void *ctx)
{
    const ps_capture_opts *opts = c->opts;
    struct file_run f = {
        .opts = opts, .sink = sink, .w = w, .on_interval = on_interval, .ctx = ctx,
        .interval_ns = (int64_t)(opts->interval_s * 1e9),
    };
    int rc = PS_EXIT_OK;

    for (int i = 0; i < opts->nfiles && rc == PS_EXIT_OK && !stop_state() && !file_count_reached(&f); i++)
        rc = run_file(&f, opts->files[i]);
    /* Whatever stopped the loop, the flows seen so far are reported. */
    sink->finish(w, NULL);
    return rc;
}

/* ---- the live run: a worker thread per handle, the caller coordinating ---- */

struct live_run;

typedef struct worker {
    struct live_run *run;
    pcap_t *pc;
    void *w;                       /* the sink's context */
    int dlt;
    int nano;
    int snap_pipe[2];              /* the coordinator wakes the worker for a report */
    atomic_uint snap_done;         /* the last report generation whose part is taken */
    atomic_int exited;
    uint64_t frames;               /* frames libpcap handed over, skipped ones included */
    uint64_t skipped;              /* stamped before the fanout group was complete */
    int rc;
    char error[PCAP_ERRBUF_SIZE + 128];
    pthread_t thread;
    int started;
} worker;

struct live_run {
    ps_capture *c;
    const ps_capture_sink *sink;
    uint64_t count;                /* -c, across workers; 0 for none */
    atomic_uint_fast64_t seen;     /* frames counted, for -c */
    atomic_int count_done;
    atomic_uint snap_gen;          /* the report generation asked for */
    int notify_pipe[2];            /* workers wake the coordinator */
    int64_t start_ns;              /* the wall clock when capture began: the first window's start */
    int nworkers;
    worker w[PS_MAX_WORKERS];
};

static void notify(struct live_run *run)
{
    ssize_t n = write(run->notify_pipe[1], "x", 1);
    (void)n;   /* a full pipe wakes the coordinator all the same */
}

static int worker_stopping(const worker *w)
{
    return stop_state() != STOP_NONE || atomic_load_explicit(&w->run->count_done, memory_order_relaxed);
}

static void live_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    worker *w = (worker *)user;
    struct live_run *run = w->run;
    int64_t ts_ns = capture_timestamp_ns(h->ts.tv_sec, h->ts.tv_usec, w->nano);

    w->frames++;
    if (ts_ns < run->c->start_ns) {
        w->skipped++;
        return;
    }
    if (run->count) {
        /* -c counts across workers: each frame takes a number, and the one
         * that takes the last ends the capture. */
        uint64_t taken = atomic_fetch_add(&run->seen, 1);
        if (taken >= run->count) {
            pcap_breakloop(w->pc);
            return;
        }
        run->sink->frame(w->w, w->dlt, data, h->caplen, h->len, ts_ns);
        if (taken + 1 == run->count) {
            atomic_store(&run->count_done, 1);
            wake_all();
            pcap_breakloop(w->pc);
        }
        return;
    }
    run->sink->frame(w->w, w->dlt, data, h->caplen, h->len, ts_ns);
}

static void worker_error(worker *w, const char *what)
{
    snprintf(w->error, sizeof(w->error), "portsniff: %s: %s", w->run->c->opts->iface, what);
    w->rc = PS_EXIT_INPUT;
    capture_request_abort();
}

/* What the kernel's counters say of this handle, less the frames skipped as
 * captured before the fanout group was complete. */
static int worker_counts(worker *w, ps_kernel_counts *k)
{
    if (read_kernel_counts(w->pc, k) != 0)
        return -1;
    k->received = k->received > w->skipped ? k->received - w->skipped : 0;
    return 0;
}

/* Asked to stop: the packets the kernel has already captured for this handle
 * belong to the run (a reply that arrived just before SIGINT is counted). The
 * kernel's count of packets queued to the ring says how many there are; a
 * partly filled block is handed over LIVE_POLL_MS after its first packet. */
static void worker_drain(worker *w)
{
    struct pcap_stat st;
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(w->pc), .events = POLLIN};
    int64_t until = add_ns(clock_ns(CLOCK_MONOTONIC), DRAIN_MAX_NS);
    uint64_t queued;

    if (pcap_stats(w->pc, &st) != 0)
        return;
    queued = st.ps_recv >= st.ps_drop ? st.ps_recv - st.ps_drop : 0;
    while (w->frames < queued && stop_state() != STOP_NOW &&
           !atomic_load(&w->run->count_done)) {
        int n = pcap_dispatch(w->pc, -1, live_frame, (u_char *)w);
        if (n < 0)
            break;
        if (n == 0) {
            if (clock_ns(CLOCK_MONOTONIC) >= until)
                break;
            poll(&pfd, 1, LIVE_POLL_MS / 4);
        }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    struct live_run *run = w->run;
    const ps_capture_sink *sink = run->sink;
    struct pollfd pfd[3] = {
        {.fd = pcap_get_selectable_fd(w->pc), .events = POLLIN},
        {.fd = w->snap_pipe[0], .events = POLLIN},
        {.fd = wake_read_fd, .events = POLLIN},
    };
    int64_t next_counts = 0;
    ps_kernel_counts k;

    while (!worker_stopping(w)) {
        int n = pcap_dispatch(w->pc, -1, live_frame, (u_char *)w);
        int64_t now = wall_clock_ns();
        int have_counts = 0;
        unsigned want;

        if (n < 0 && n != PCAP_ERROR_BREAK) {
            worker_error(w, pcap_geterr(w->pc));
            break;
        }
        /* pcap_stats is a system call (and more): at most every LIVE_POLL_MS. */
        if (now >= next_counts) {
            have_counts = worker_counts(w, &k) == 0;
            next_counts = now + LIVE_POLL_MS * 1000000LL;
        }
        /* Live flows time out by the clock even when no packet arrives. */
        sink->tick(w->w, now, have_counts ? &k : NULL);
        want = atomic_load(&run->snap_gen);
        if (want != atomic_load(&w->snap_done)) {
            if (!sink->snapshot(w->w))
                continue;   /* the rest of the part after the next batch, without waiting */
            atomic_store(&w->snap_done, want);
            notify(run);
        }
        if (n == 0 && poll(pfd, 3, LIVE_POLL_MS) < 0 && errno != EINTR) {
            char why[128];
            snprintf(why, sizeof(why), "poll: %s", strerror(errno));
            worker_error(w, why);
            break;
        }
        if (pfd[1].revents & POLLIN)
            drain_pipe(w->snap_pipe[0]);
    }
    if (stop_state() == STOP_DRAIN && !atomic_load(&run->count_done))
        worker_drain(w);
    if (worker_counts(w, &k) == 0)
        sink->finish(w->w, &k);
    else
        sink->finish(w->w, NULL);
    atomic_store(&w->exited, 1);
    notify(run);
    return NULL;
}

/* The calling thread while the workers run: asks for interval reports on the
 * wall clock and hands them over once every worker has taken its part; the
 * stop request itself reaches the workers through the wake-up pipe. */
static void coordinate(struct live_run *run, ps_interval_fn on_interval, void *ctx)
{
    int64_t interval_ns = (int64_t)(run->c->opts->interval_s * 1e9);
    int64_t next = interval_ns ? add_ns(clock_ns(CLOCK_MONOTONIC), interval_ns) : 0;
    unsigned gen = 0;
    int pending = 0;

    if (!on_interval)
        interval_ns = 0;
    for (;;) {
        int running = 0, taken = 0, stopping;
        int64_t now;
        int timeout = -1;

        for (int i = 0; i < run->nworkers; i++) {
            if (atomic_load(&run->w[i].exited))
                continue;
            running++;
            taken += atomic_load(&run->w[i].snap_done) == gen;
        }
        if (!running)
            break;
        stopping = stop_state() != STOP_NONE || atomic_load(&run->count_done);
        if (pending && running < run->nworkers) {
            pending = 0;   /* a worker ended: no interval report is whole any more */
        } else if (pending && taken == running) {
            pending = 0;
            on_interval(ctx, 1, run->start_ns, wall_clock_ns());
        }
        now = clock_ns(CLOCK_MONOTONIC);
        if (interval_ns && !pending && !stopping && running == run->nworkers && now >= next) {
            atomic_store(&run->snap_gen, ++gen);
            for (int i = 0; i < run->nworkers; i++) {
                ssize_t n = write(run->w[i].snap_pipe[1], "x", 1);
                (void)n;
            }
            pending = 1;
            next = next_deadline(next, interval_ns, now);
        }
        if (interval_ns && !pending && !stopping) {
            int64_t ms = (next - now + 999999) / 1000000;
            timeout = ms > 0 ? (int)(ms < 60000 ? ms : 60000) : 0;
        }
        struct pollfd pfd[2] = {
            {.fd = run->notify_pipe[0], .events = POLLIN},
            {.fd = wake_read_fd, .events = POLLIN},
        };
        /* Once stopping, the wake-up pipe stays readable: wait for the workers only. */
        poll(pfd, stopping ? 1 : 2, timeout);
        drain_pipe(run->notify_pipe[0]);
    }
}

static void free_run(struct live_run *run)
{
    for (int i = 0; i < run->nworkers; i++) {
        if (run->w[i].snap_pipe[0] >= 0) {
            close(run->w[i].snap_pipe[0]);
            close(run->w[i].snap_pipe[1]);
        }
    }
    if (run->notify_pipe[0] >= 0) {
        close(run->notify_pipe[0]);
        close(run->notify_pipe[1]);
    }
    free(run);
}

static int run_live(ps_capture *c, const ps_capture_sink *sink, void *const *workers,
                    ps_interval_fn on_interval, void *ctx)
{
    struct live_run *run = calloc(1, sizeof(*run));
    const char *dlt_name, *dlt_desc;
    sigset_t block, saved;
    int rc = PS_EXIT_OK, dlt;

    if (!run) {
        fprintf(stderr, "portsniff: out of memory\n");
        for (int i = 0; i < c->nlive; i++)
            sink->finish(workers[i], NULL);
        return PS_EXIT_INPUT;
    }
    run->c = c;
    run->sink = sink;
    run->count = c->opts->count;
    run->nworkers = c->nlive;
    run->notify_pipe[0] = run->notify_pipe[1] = -1;
    for (int i = 0; i < run->nworkers; i++)
        run->w[i].snap_pipe[0] = run->w[i].snap_pipe[1] = -1;
    if (make_pipe(run->notify_pipe) != 0)
        rc = PS_EXIT_INPUT;
    for (int i = 0; i < run->nworkers && rc == PS_EXIT_OK; i++) {
        worker *w = &run->w[i];
        w->run = run;
        w->pc = c->live[i];
        w->w = workers[i];
        w->dlt = pcap_datalink(w->pc);
        w->nano = pcap_get_tstamp_precision(w->pc) == PCAP_TSTAMP_PRECISION_NANO;
        if (make_pipe(w->snap_pipe) != 0)
            rc = PS_EXIT_INPUT;
    }
    if (rc != PS_EXIT_OK) {
        fprintf(stderr, "portsniff: cannot create a pipe: %s\n", strerror(errno));
        for (int i = 0; i < c->nlive; i++)
            sink->finish(workers[i], NULL);
        free_run(run);
        return rc;
    }

    dlt = run->w[0].dlt;
    dlt_name = pcap_datalink_val_to_name(dlt);
    dlt_desc = pcap_datalink_val_to_description(dlt);
    fprintf(stderr, "portsniff: listening on %s, link-type %s (%s), snapshot length %d bytes",
            c->opts->iface, dlt_name ? dlt_name : "?", dlt_desc ? dlt_desc : "?",
            pcap_snapshot(c->live[0]));
    if (c->fanout)
        fprintf(stderr, ", %d worker%s", run->nworkers, run->nworkers == 1 ? "" : "s");
    fputc('\n', stderr);
    if (sink->source && sink->source(workers[0], c->opts->iface, dlt, pcap_snapshot(c->live[0])) != 0) {
        for (int i = 0; i < c->nlive; i++)
            sink->finish(workers[i], NULL);
        free_run(run);
        return PS_EXIT_INPUT;
    }
    run->start_ns = wall_clock_ns();

    /* Signals go to the calling thread, whose poll() they interrupt; the
     * workers learn of a stop through the wake-up pipe. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &saved);
    for (int i = 0; i < run->nworkers; i++) {
        worker *w = &run->w[i];
        int err = pthread_create(&w->thread, NULL, worker_main, w);
        if (err != 0) {
            fprintf(stderr, "portsniff: cannot start a capture thread: %s\n", strerror(err));
            rc = PS_EXIT_INPUT;
            capture_request_abort();
            for (int j = i; j < run->nworkers; j++) {
                sink->finish(run->w[j].w, NULL);
                atomic_store(&run->w[j].exited, 1);
            }
            break;
        }
        w->started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);

    coordinate(run, on_interval, ctx);
    for (int i = 0; i < run->nworkers; i++) {
        worker *w = &run->w[i];
        if (!w->started)
            continue;
        pthread_join(w->thread, NULL);
        if (w->rc != PS_EXIT_OK && rc == PS_EXIT_OK) {
            fprintf(stderr, "%s\n", w->error);
            rc = w->rc;
        }
    }
    free_run(run);
    return rc;
}

int capture_run(ps_capture *c, const ps_capture_sink *sink, void *const *workers,
                ps_interval_fn on_interval, void *ctx)
{
    deferred_error[0] = '\0';
    /* A flow table that grows past its first slab gets the next ones
     * cleared by a helper thread (slab_reserve.h), live or from files; the
     * helper is told to stop once the workers have, and the caller waits
     * for it (slab_reserve_disable) after the report, by when the slab it
     * was clearing is done. */
    slab_reserve_enable();
    int rc = c->nlive ? run_live(c, sink, workers, on_interval, ctx)
                      : run_files(c, sink, workers[0], on_interval, ctx);
    slab_reserve_stop();
    return rc;
}

int capture_list_interfaces(void)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *all, *d;
    int i = 1;

    if (pcap_findalldevs(&all, errbuf) < 0) {
        fprintf(stderr, "portsniff: cannot list interfaces: %s\n", errbuf);
        return PS_EXIT_INPUT;
    }
    for (d = all; d; d = d->next, i++) {
        printf("%d.%s", i, d->name);
        if (d->description)
            printf(" (%s)", d->description);
        if (d->flags & PCAP_IF_LOOPBACK)
            printf(" [Loopback]");
        printf("%s\n", (d->flags & PCAP_IF_UP) ? " [Up]" : "");
    }
    pcap_freealldevs(all);
    return PS_EXIT_OK;
}
