/* Capture sources and the loop: saved files (pcap, pcapng, stdin) one after
 * another, or one live interface; BPF; signals; pcap_stats. */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "portsniff/capture.h"
#include "portsniff/dissect.h"

#define DEFAULT_SNAPLEN 262144
#define LIVE_POLL_MS 100

/* 1: stop once what the kernel already holds is read (a signal);
 * 2: stop at once (an output failed, nothing more can be written). */
static volatile sig_atomic_t stop_requested;

void capture_request_stop(void)
{
    if (!stop_requested)
        stop_requested = 1;
}

void capture_request_abort(void)
{
    stop_requested = 2;
}

/* Shared state of one capture_run. */
struct loop {
    const ps_capture_opts *opts;
    ps_pipeline *p;
    ps_interval_fn on_interval;
    void *ctx;
    int live;
    int dlt;
    int nano;                  /* timestamps in ns (else us) */
    uint64_t seen;             /* frames across all sources, for -c */
    int64_t interval_ns;
    int64_t next_interval_ns;  /* 0 until the first frame (offline) */
    int64_t start_ns;          /* the run's start: first frame (offline), listening (live) */
};

static int64_t wall_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int count_reached(const struct loop *l)
{
    return l->opts->count && l->seen >= l->opts->count;
}

/* t + d for d >= 0, stopping at the end of representable time. */
static int64_t add_ns(int64_t t, int64_t d)
{
    return t > INT64_MAX - d ? INT64_MAX : t + d;
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

/* Interval reports cover consecutive windows [start, end): by packet time
 * for files, where a window ends at its boundary (the frame that crosses it
 * belongs to the next), by the clock for live capture, where it ends when the
 * report is made. */
static void maybe_interval(struct loop *l, int64_t now_ns)
{
    if (!l->interval_ns || !l->on_interval)
        return;
    if (!l->next_interval_ns) {
        l->start_ns = now_ns;
        l->next_interval_ns = add_ns(now_ns, l->interval_ns);
        return;
    }
    if (now_ns < l->next_interval_ns)
        return;
    /* A quiet period that spanned several intervals ends in one window, up to
     * the last boundary passed. Computed rather than stepped: a file's clock
     * may jump by centuries, which would be trillions of steps. */
    int64_t spanned = (now_ns - l->next_interval_ns) / l->interval_ns;
    int64_t boundary = add_ns(l->next_interval_ns, spanned * l->interval_ns);
    l->on_interval(l->p, l->live, l->start_ns, l->live ? now_ns : boundary, l->ctx);
    l->next_interval_ns = add_ns(boundary, l->interval_ns);
}

static void handle_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct loop *l = (struct loop *)user;
    int64_t ts_ns = capture_timestamp_ns(h->ts.tv_sec, h->ts.tv_usec, l->nano);

    l->seen++;
    /* Before the frame is counted: a frame past a boundary opens the next window. */
    if (!l->live)
        maybe_interval(l, ts_ns);
    pipeline_frame(l->p, l->dlt, data, h->caplen, h->len, ts_ns);
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
    pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc) {
        if (!is_stdin)
            fclose(fp);
        free(*buffer);
        *buffer = NULL;
    }
    return pc;
}

static int run_file(struct loop *l, const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
    void *buffer;
    pcap_t *pc = open_file(path, errbuf, &buffer);
    uint64_t before = l->seen;
    int rc = PS_EXIT_OK;

    if (!pc) {
        /* libpcap names the file itself in some messages ("x.pcap: No such file"). */
        if (strncmp(errbuf, path, strlen(path)) == 0 && errbuf[strlen(path)] == ':')
            fprintf(stderr, "portsniff: %s\n", errbuf);
        else
            fprintf(stderr, "portsniff: %s: %s\n", name, errbuf);
        return PS_EXIT_INPUT;
    }
    l->dlt = pcap_datalink(pc);
    l->nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
    note_link_type(name, l->dlt);
    rc = apply_filter(pc, l->opts->filter);
    while (rc == PS_EXIT_OK && !stop_requested && !count_reached(l)) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int n = pcap_next_ex(pc, &h, &data);

        if (n == 1) {
            handle_frame((u_char *)l, h, data);
        } else if (n == PCAP_ERROR_BREAK) {
            break;
        } else {
            /* A damaged or truncated file: keep what was read, say where it stopped
             * after the report. */
            uint64_t got = l->seen - before;
            snprintf(deferred_error, sizeof(deferred_error),
                     "portsniff: %s: %s (stopped after %llu packet%s of this file)",
                     name, pcap_geterr(pc), (unsigned long long)got, got == 1 ? "" : "s");
            rc = PS_EXIT_TRUNCATED;
        }
    }
    /* pcap_close closes the FILE (not stdin); the buffer outlives it. */
    pcap_close(pc);
    free(buffer);
    return rc;
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
    /* Not immediate mode: on Linux that means TPACKET_V2, a ring of fixed
     * frames sized for the snapshot length (32 of them in libpcap's 2 MiB
     * default for 262144 bytes), so a reader that is not scheduled for a
     * moment drops the 33rd packet. Blocks (TPACKET_V3) pack packets densely
     * and are handed over within LIVE_POLL_MS, which keeps flows and interval
     * reports current enough. */
    pcap_set_timeout(pc, LIVE_POLL_MS);
    if (o->buffer_kib > 0)
        pcap_set_buffer_size(pc, o->buffer_kib * 1024);
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

static void record_kernel_stats(pcap_t *pc, ps_run_stats *s)
{
    struct pcap_stat st;

    if (pcap_stats(pc, &st) != 0)
        return;
    s->have_kernel_stats = 1;
    s->kernel_received = st.ps_recv;
    s->kernel_dropped = st.ps_drop;
    s->interface_dropped = st.ps_ifdrop;
}

static int live_loop(struct loop *l, pcap_t *pc)
{
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(pc), .events = POLLIN};

    while (!stop_requested && !count_reached(l)) {
        int want = l->opts->count ? (int)(l->opts->count - l->seen) : -1;
        int n = pcap_dispatch(pc, want, handle_frame, (u_char *)l);
        int64_t now;

        if (n < 0) {
            if (n == PCAP_ERROR_BREAK)
                break;
            fprintf(stderr, "portsniff: %s: %s\n", l->opts->iface, pcap_geterr(pc));
            return PS_EXIT_INPUT;
        }
        if (n == 0 && poll(&pfd, 1, LIVE_POLL_MS) < 0 && errno != EINTR) {
            fprintf(stderr, "portsniff: %s: poll: %s\n", l->opts->iface, strerror(errno));
            return PS_EXIT_INPUT;
        }
        now = wall_clock_ns();
        /* Live flows time out by the clock even when no packet arrives. */
        flow_table_expire(l->p->flows, now);
        pipeline_tick(l->p);
        record_kernel_stats(pc, &l->p->stats);
        maybe_interval(l, now);
        pipeline_flush(l->p);
    }
    /* Asked to stop: the packets the kernel has already captured belong to
     * the run (a reply that arrived just before SIGINT is counted). The
     * kernel hands over a partly filled block after LIVE_POLL_MS, so read
     * until twice that has passed, and stop early only at the -c count. */
    if (stop_requested == 1) {
        int64_t until = wall_clock_ns() + 2 * LIVE_POLL_MS * 1000000LL;
        while (!count_reached(l) && wall_clock_ns() < until) {
            int want = l->opts->count ? (int)(l->opts->count - l->seen) : -1;
            int n = pcap_dispatch(pc, want, handle_frame, (u_char *)l);
            if (n < 0)
                break;
            if (n == 0)
                poll(&pfd, 1, LIVE_POLL_MS / 4);
        }
    }
    return PS_EXIT_OK;
}

struct ps_capture {
    const ps_capture_opts *opts;
    pcap_t *live;              /* the interface, opened by capture_open */
};

/* Opens the interface, sets the filter and drops privileges, so that what
 * the caller opens next (output files) is opened as the user -Z names, as
 * tcpdump does. Files are opened one by one as capture_run reaches them. */
static int open_live_source(ps_capture *c)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const ps_capture_opts *o = c->opts;
    int rc;
    pcap_t *pc = open_live(o, &rc);

    if (!pc)
        return rc;
    rc = apply_filter(pc, o->filter);
    if (rc == PS_EXIT_OK && o->drop_user)
        rc = drop_privileges(o->drop_user);
    if (rc == PS_EXIT_OK && pcap_setnonblock(pc, 1, errbuf) < 0) {
        fprintf(stderr, "portsniff: %s: %s\n", o->iface, errbuf);
        rc = PS_EXIT_INPUT;
    }
    if (rc != PS_EXIT_OK) {
        pcap_close(pc);
        return rc;
    }
    note_link_type(o->iface, pcap_datalink(pc));
    c->live = pc;
    return PS_EXIT_OK;
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
    if (opts->iface)
        rc = open_live_source(c);
    if (rc != PS_EXIT_OK) {
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
    if (c->live)
        pcap_close(c->live);
    free(c);
}

static int run_live(struct loop *l, pcap_t *pc)
{
    const char *dlt_name, *dlt_desc;
    int rc;

    l->dlt = pcap_datalink(pc);
    l->nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
    dlt_name = pcap_datalink_val_to_name(l->dlt);
    dlt_desc = pcap_datalink_val_to_description(l->dlt);
    fprintf(stderr, "portsniff: listening on %s, link-type %s (%s), snapshot length %d bytes\n",
            l->opts->iface, dlt_name ? dlt_name : "?", dlt_desc ? dlt_desc : "?",
            pcap_snapshot(pc));
    l->start_ns = wall_clock_ns();
    l->next_interval_ns = l->interval_ns ? l->start_ns + l->interval_ns : 0;
    rc = live_loop(l, pc);
    record_kernel_stats(pc, &l->p->stats);
    return rc;
}

int capture_run(ps_capture *c, ps_pipeline *p, ps_interval_fn on_interval, void *ctx)
{
    const ps_capture_opts *opts = c->opts;
    struct loop l = {
        .opts = opts, .p = p, .on_interval = on_interval, .ctx = ctx,
        .live = c->live != NULL,
        .interval_ns = (int64_t)(opts->interval_s * 1e9),
    };
    int rc = PS_EXIT_OK;

    deferred_error[0] = '\0';
    if (l.live) {
        rc = run_live(&l, c->live);
    } else {
        for (int i = 0; i < opts->nfiles && rc == PS_EXIT_OK && !stop_requested && !count_reached(&l); i++)
            rc = run_file(&l, opts->files[i]);
    }
    /* Whatever stopped the loop, the flows seen so far are reported. */
    flow_table_flush(p->flows, PS_END_EOF);
    pipeline_flush(p);
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
