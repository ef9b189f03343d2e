/* portsniff: command line and wiring. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "portsniff/capture.h"
#include "portsniff/outfile.h"
#include "portsniff/pipeline.h"
#include "portsniff/registry.h"
#include "portsniff/savefile.h"
#include "portsniff/service_select.h"
#include "huge_map.h"
#include "slab_reserve.h"

#define MAX_INPUTS 256

enum {
    OPT_FLOWS = 256, OPT_REPORT, OPT_REPORT_FILE, OPT_INTERVAL, OPT_REGISTRY, OPT_LOOKUP,
    OPT_REGISTRY_INFO, OPT_IDLE, OPT_ACTIVE, OPT_LINGER, OPT_MAX_FLOWS, OPT_MAX_FRAGS,
    OPT_IPFIX, OPT_IPFIX_DOMAIN, OPT_IPFIX_REFRESH, OPT_IPFIX_QUEUE,
    OPT_FLOWS_FILE, OPT_SERVICE, OPT_INTERVAL_MODE, OPT_WORKERS, OPT_IMMEDIATE, OPT_HUGE_PAGES, OPT_CID_SEED,
    OPT_TOP, OPT_AGGREGATE, OPT_BUCKET, OPT_TOP_COUNTERS,
    OPT_DECAP, OPT_TUNNEL_PORT,
};

typedef struct options {
    ps_capture_opts cap;
    const char *files[MAX_INPUTS];
    const ps_flow_sink_ops *flow_fmt;        /* NULL: --flows=none */
    const ps_report_writer *report_writer;   /* NULL: --report=none */
    int report_format_given;                 /* --report was given */
    const char *report_file;
    const char *flows_file;
    int flows_given;                         /* --flows or -q was given */
    const char *save_file;                   /* -w */
    uint64_t rotate_s;                       /* -G; 0: no rotation */
    uint64_t max_files;                      /* -W; 0: no limit */
    unsigned sink_flags;                     /* PS_SINK_* */
    uint16_t community_id_seed;              /* --community-id-seed */
    int interval_cumulative;                 /* --interval-mode=cumulative */
    ps_report_config report;                 /* --top, --aggregate, --bucket */
    int top_given;
    uint64_t top_counters;                   /* --top-counters; 0 for the default */
    const char *registry_file;
    const char *lookup;
    const char *services;         /* --service NAME[,NAME...] */
    int registry_info;
    int list_interfaces;
    int list_link_types;          /* -L */
    int t_count;                  /* -t, -tt, -tttt */
    int immediate;                /* --immediate-mode */
    int huge_pages;               /* --huge-pages */
    ps_flow_config flow;
    ps_ipfix_config ipfix;
    ps_dissect_config dissect;    /* --decap, --tunnel-port */
    char *filter_buf;
} options;

static void usage(FILE *out)
{
    fputs("Usage: portsniff [-lnpqDLv] [-t|-tt|-tttt] [-r FILE]... [-i IFACE|INDEX] [-y DLT]\n"
          "                 [-c COUNT] [-s SNAPLEN] [-B KIB] [-w FILE] [-G SECONDS] [-W COUNT]\n"
          "                 [-F FILE] [-Z USER] [--flows=text|csv|json|zeek|none]\n"
          "                 [--flows-file FILE] [--community-id-seed N]\n"
          "                 [--report=text|csv|json|html|none] [--report-file FILE]\n"
          "                 [--top N] [--top-counters N] [--aggregate /V4[,/V6]]\n"
          "                 [--bucket SECONDS]\n"
          "                 [--interval SECONDS] [--interval-mode delta|cumulative]\n"
          "                 [--idle-timeout S] [--active-timeout S]\n"
          "                 [--close-timeout S] [--max-flows N] [--max-fragments N]\n"
          "                 [--ipfix udp://HOST:PORT|tcp://HOST:PORT|file:PATH]...\n"
          "                 [--ipfix-domain N] [--ipfix-template-refresh S] [--ipfix-queue KIB]\n"
          "                 [--workers N] [--immediate-mode] [--huge-pages]\n"
          "                 [--decap=all|none] [--tunnel-port TYPE=PORT]...\n"
          "                 [--registry FILE] [--service NAME[,NAME...]] [EXPRESSION]\n"
          "       portsniff [--registry FILE] --lookup PORT/PROTO|PORT|NAME\n"
          "       portsniff [--registry FILE] --registry-info\n"
          "\n"
          "  -r FILE          read a pcap or pcapng file ('-' for stdin); repeatable\n"
          "  -i IFACE         capture live on IFACE, or on the interface -D numbers INDEX\n"
          "  -y DLT           capture with link type DLT (a name -L lists)\n"
          "  -L               list the link types of the -i interface\n"
          "  -c COUNT         stop after COUNT packets\n"
          "  -s SNAPLEN       live snapshot length (default 262144)\n"
          "  -p               do not put the interface into promiscuous mode\n"
          "  -B KIB           live ring size in KiB, per worker (default 65536)\n"
          "  --workers N      capture live with N threads in a kernel fanout group\n"
          "  --immediate-mode deliver each live packet at once (default when flow\n"
          "                   records go to a terminal)\n"
          "  --huge-pages     take the flow table's and read-ahead's memory from the\n"
          "                   system's pool of 2 MiB huge pages (vm.nr_hugepages) while\n"
          "                   it has free pages\n"
          "  -F FILE          read the BPF filter expression from FILE\n"
          "  -Z USER          drop privileges to USER after opening the capture\n"
          "  -D               list capture interfaces\n"
          "  -w FILE          also save the packets read to FILE (pcap; '-' for stdout)\n"
          "  -G SECONDS       rotate the -w and --flows-file files every SECONDS (names\n"
          "                   through strftime, as tcpdump's)\n"
          "  -W COUNT         with -G: stop after COUNT files\n"
          "  -q               same as --flows=none\n"
          "  -n, -nn          accepted for tcpdump's sake: portsniff resolves no names\n"
          "  -l               write each flow record out as it ends (line-buffered)\n"
          "  -v               text records add basis, registry status, VLAN, other services,\n"
          "                   Community ID, tunnel, Zeek history, payload bytes, description\n"
          "  -t, -tt, -tttt   text records: no time, epoch seconds, date and time\n"
          "  --flows=FMT      flow records: text (default), csv, json, zeek (conn.log), none\n"
          "  --report=FMT     per-service report: text (default), csv, json, html, none\n"
          "  --flows-file F   write the flow records to F instead of stdout\n"
          "  --community-id-seed N  seed of the records' Community ID, 0 to 65535 (default 0)\n"
          "  --report-file F  write the report to F instead of stdout or stderr;\n"
          "                   a name ending in .html picks the HTML report\n"
          "  --top N          top N servers and clients per service, and top hosts (0-100;\n"
          "                   5 in an HTML report)\n"
          "  --top-counters N exact top talkers per service up to N keys, then a sketch of\n"
          "                   N counters (default 16384 for files, 1024 live; hosts 16 N)\n"
          "  --aggregate /V4[,/V6]  group hosts by prefix (for example /24,/64)\n"
          "  --bucket S       time-series bucket width (default: from the capture's span)\n"
          "  --interval S     also report every S seconds\n"
          "  --interval-mode M  delta (default: each covers its own interval) or cumulative\n"
          "  --idle-timeout S end flows idle for S seconds (default 60)\n"
          "  --active-timeout S  emit long flows every S seconds (default 1800)\n"
          "  --close-timeout S   keep closed TCP/SCTP/DCCP flows S seconds (default 2)\n"
          "  --max-flows N    flow-table limit (default 1000000)\n"
          "  --max-fragments N  fragment-cache limit (default 8192)\n"
          "  --decap=all|none count tunnelled frames to their innermost flow (all, default)\n"
          "                   or to the outermost IP layer (none)\n"
          "  --tunnel-port TYPE=PORT  also decode UDP PORT as TYPE (vxlan, geneve, gtp-u,\n"
          "                   l2tp, teredo)\n"
          "  --ipfix DEST     also export flows as IPFIX to udp://HOST:PORT, tcp://HOST:PORT\n"
          "                   or file:PATH; repeatable\n"
          "  --ipfix-domain N IPFIX observation domain ID (default 0)\n"
          "  --ipfix-template-refresh S  re-send templates over UDP every S seconds (default 60)\n"
          "  --ipfix-queue KIB  hold at most KIB per TCP collector while it is slow (default 8192)\n"
          "  --registry FILE  use an IANA CSV or services(5) file instead of the built-in registry\n"
          "  --lookup Q       print the registry entries for 443/tcp, 443 or a service name\n"
          "  --registry-info  print the registry's source, date, age and size\n"
          "  --service LIST   keep only flows labelled with these registry names (comma-separated)\n"
          "  -h, --help       this help;  -V, --version  the version\n", out);
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("portsniff: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see portsniff --help)\n", stderr);
    return PS_EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double min, double *out)
{
    char *end;
    double v;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !(v >= min) || v > 31536000.0)
        return -1;
    *out = v;
    return 0;
}

static int read_filter_file(const char *path, options *o)
{
    FILE *f = fopen(path, "r");
    size_t cap = 4096, len = 0, n;
    char *buf;

    if (!f) {
        fprintf(stderr, "portsniff: %s: %s\n", path, strerror(errno));
        return PS_EXIT_INPUT;
    }
    buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "portsniff: %s: out of memory\n", path);
        return PS_EXIT_INPUT;
    }
    buf[len] = '\0';
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    o->filter_buf = buf;
    o->cap.filter = buf;
    return PS_EXIT_OK;
}

static int join_filter_words(int argc, char **argv, options *o)
{
    size_t len = 0;

    if (optind >= argc)
        return PS_EXIT_OK;
    if (o->cap.filter)
        return usage_error("%s: give the filter with -F or as words, not both", argv[optind]);
    for (int i = optind; i < argc; i++)
        len += strlen(argv[i]) + 1;
    o->filter_buf = malloc(len);
    if (!o->filter_buf)
        return PS_EXIT_INPUT;
    o->filter_buf[0] = '\0';
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            strcat(o->filter_buf, " ");
        strcat(o->filter_buf, argv[i]);
    }
    o->cap.filter = o->filter_buf;
    return PS_EXIT_OK;
}

/* --flows: a format from the sink table, or none. */
static int set_flow_format(const char *arg, options *o)
{
    const ps_flow_sink_ops *f = flow_sink_find(arg);
    char names[160] = "";

    if (f || strcasecmp(arg, "none") == 0) {
        o->flow_fmt = f;
        return PS_EXIT_OK;
    }
    for (size_t i = 0; ps_flow_sink_formats[i]; i++) {
        strncat(names, ps_flow_sink_formats[i]->name, sizeof(names) - strlen(names) - 1);
        strncat(names, ", ", sizeof(names) - strlen(names) - 1);
    }
    if (strlen(names) >= 2)
        names[strlen(names) - 2] = '\0';
    fprintf(stderr, "portsniff: --flows: unknown format '%s' (%s or none)\n", arg, names);
    return PS_EXIT_USAGE;
}

/* --report: a writer from the table, or none. */
static int set_report_format(const char *arg, options *o)
{
    const ps_report_writer *w = report_writer_find(arg);
    char names[160] = "";

    if (w || strcasecmp(arg, "none") == 0) {
        o->report_writer = w;
        o->report_format_given = 1;
        return PS_EXIT_OK;
    }
    for (size_t i = 0; (w = report_writer_at(i)) != NULL; i++) {
        strncat(names, report_writer_name(w), sizeof(names) - strlen(names) - 1);
        strncat(names, ", ", sizeof(names) - strlen(names) - 1);
    }
    if (strlen(names) >= 2)
        names[strlen(names) - 2] = '\0';
    fprintf(stderr, "portsniff: --report: unknown format '%s' (%s or none)\n", arg, names);
    return PS_EXIT_USAGE;
}

/* --aggregate /24,/64: the IPv4 prefix length, then optionally the IPv6 one. */
static int set_aggregate(const char *arg, options *o)
{
    unsigned v4, v6 = 128;
    int n = -1, m = -1;
    if (sscanf(arg, "/%u%n,/%u%n", &v4, &n, &v6, &m) >= 1 && v4 <= 32 && v6 <= 128 &&
        ((m > 0 && arg[m] == '\0') || (m < 0 && n > 0 && arg[n] == '\0'))) {
        o->report.prefix4 = v4;
        o->report.prefix6 = v6;
        return PS_EXIT_OK;
    }
    fprintf(stderr, "portsniff: --aggregate: '%s' is not /V4 or /V4,/V6 (IPv4 prefix 0-32, "
            "IPv6 prefix 0-128, for example /24,/64)\n", arg);
    return PS_EXIT_USAGE;
}

static int set_timeout(const char *opt, const char *arg, int64_t *out_ns)
{
    double s;

    if (parse_seconds(arg, 0.001, &s) < 0) {
        fprintf(stderr, "portsniff: %s: '%s' is not a number of seconds >= 0.001\n", opt, arg);
        return PS_EXIT_USAGE;
    }
    *out_ns = (int64_t)(s * 1e9);
    return PS_EXIT_OK;
}

static int set_count(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
    if (parse_u64(arg, min, max, out) < 0) {
        fprintf(stderr, "portsniff: %s: '%s' is not a whole number from %llu to %llu\n", opt, arg,
                (unsigned long long)min, (unsigned long long)max);
        return PS_EXIT_USAGE;
    }
    return PS_EXIT_OK;
}

static const struct option long_options[] = {
    {"flows", required_argument, NULL, OPT_FLOWS},
    {"report", required_argument, NULL, OPT_REPORT},
    {"report-file", required_argument, NULL, OPT_REPORT_FILE},
    {"flows-file", required_argument, NULL, OPT_FLOWS_FILE},
    {"interval-mode", required_argument, NULL, OPT_INTERVAL_MODE},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"registry", required_argument, NULL, OPT_REGISTRY},
    {"lookup", required_argument, NULL, OPT_LOOKUP},
    {"registry-info", no_argument, NULL, OPT_REGISTRY_INFO},
    {"idle-timeout", required_argument, NULL, OPT_IDLE},
    {"active-timeout", required_argument, NULL, OPT_ACTIVE},
    {"close-timeout", required_argument, NULL, OPT_LINGER},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"max-fragments", required_argument, NULL, OPT_MAX_FRAGS},
    {"ipfix", required_argument, NULL, OPT_IPFIX},
    {"ipfix-domain", required_argument, NULL, OPT_IPFIX_DOMAIN},
    {"ipfix-template-refresh", required_argument, NULL, OPT_IPFIX_REFRESH},
    {"ipfix-queue", required_argument, NULL, OPT_IPFIX_QUEUE},
    {"service", required_argument, NULL, OPT_SERVICE},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"immediate-mode", no_argument, NULL, OPT_IMMEDIATE},
    {"huge-pages", no_argument, NULL, OPT_HUGE_PAGES},
    {"community-id-seed", required_argument, NULL, OPT_CID_SEED},
    {"top", required_argument, NULL, OPT_TOP},
    {"top-counters", required_argument, NULL, OPT_TOP_COUNTERS},
    {"aggregate", required_argument, NULL, OPT_AGGREGATE},
    {"bucket", required_argument, NULL, OPT_BUCKET},
    {"decap", required_argument, NULL, OPT_DECAP},
    {"tunnel-port", required_argument, NULL, OPT_TUNNEL_PORT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* One option; returns PS_EXIT_OK, or an exit status (-1 for help/version: exit 0). */
static int apply_option(int c, const char *arg, options *o)
{
    char errbuf[512];
    uint64_t n;
    int rc;

    switch (c) {
    case 'r':
        if (o->cap.nfiles == MAX_INPUTS)
            return usage_error("too many -r files (at most 256): %s", arg);
        o->files[o->cap.nfiles++] = arg;
        return PS_EXIT_OK;
    case 'i': o->cap.iface = arg; return PS_EXIT_OK;
    case 'c':
        rc = set_count("-c", arg, 1, UINT64_MAX, &o->cap.count);
        return rc;
    case 's':
        if ((rc = set_count("-s", arg, 0, 262144, &n)) != PS_EXIT_OK)
            return rc;
        o->cap.snaplen = (int)n;
        return PS_EXIT_OK;
    case 'B':
        if ((rc = set_count("-B", arg, 1, INT_MAX / 1024, &n)) != PS_EXIT_OK)
            return rc;
        o->cap.buffer_kib = (int)n;
        return PS_EXIT_OK;
    case 'p': o->cap.promisc = 0; return PS_EXIT_OK;
    case 'q': o->flow_fmt = NULL; o->flows_given = 1; return PS_EXIT_OK;
    case 'w': o->save_file = arg; return PS_EXIT_OK;
    case 'G': return set_count("-G", arg, 1, 31536000, &o->rotate_s);
    case 'W': return set_count("-W", arg, 1, UINT32_MAX, &o->max_files);
    case OPT_CID_SEED:
        if ((rc = set_count("--community-id-seed", arg, 0, UINT16_MAX, &n)) != PS_EXIT_OK)
            return rc;
        o->community_id_seed = (uint16_t)n;
        return PS_EXIT_OK;
    case 'D': o->list_interfaces = 1; return PS_EXIT_OK;
    case 'L': o->list_link_types = 1; return PS_EXIT_OK;
    case 'n': return PS_EXIT_OK;   /* nothing is resolved anyway */
    case 'l': o->sink_flags |= PS_SINK_LINE_FLUSH; return PS_EXIT_OK;
    case 'v': o->sink_flags |= PS_SINK_VERBOSE; return PS_EXIT_OK;
    case 't': o->t_count++; return PS_EXIT_OK;
    case 'y':
        if ((o->cap.dlt = pcap_datalink_name_to_val(arg)) < 0)
            return usage_error("-y: unknown link type '%s' (-L lists an interface's)", arg);
        return PS_EXIT_OK;
    case 'F': return read_filter_file(arg, o);
    case 'Z': o->cap.drop_user = arg; return PS_EXIT_OK;
    case OPT_FLOWS: o->flows_given = 1; return set_flow_format(arg, o);
    case OPT_REPORT: return set_report_format(arg, o);
    case OPT_REPORT_FILE: o->report_file = arg; return PS_EXIT_OK;
    case OPT_FLOWS_FILE: o->flows_file = arg; return PS_EXIT_OK;
    case OPT_INTERVAL_MODE:
        if (strcasecmp(arg, "delta") == 0 || strcasecmp(arg, "cumulative") == 0) {
            o->interval_cumulative = strcasecmp(arg, "cumulative") == 0;
            return PS_EXIT_OK;
        }
        fprintf(stderr, "portsniff: --interval-mode: unknown mode '%s' (delta or cumulative)\n", arg);
        return PS_EXIT_USAGE;
    case OPT_INTERVAL:
        if (parse_seconds(arg, 0.001, &o->cap.interval_s) < 0) {
            fprintf(stderr, "portsniff: --interval: '%s' is not a number of seconds >= 0.001\n", arg);
            return PS_EXIT_USAGE;
        }
        return PS_EXIT_OK;
    case OPT_REGISTRY: o->registry_file = arg; return PS_EXIT_OK;
    case OPT_LOOKUP: o->lookup = arg; return PS_EXIT_OK;
    case OPT_SERVICE: o->services = arg; return PS_EXIT_OK;
    case OPT_DECAP:
        if (strcmp(arg, "all") == 0)
            o->dissect.decap = 1;
        else if (strcmp(arg, "none") == 0)
            o->dissect.decap = 0;
        else
            return usage_error("--decap: '%s' is not all or none", arg);
        return PS_EXIT_OK;
    case OPT_TUNNEL_PORT: {
        char err[160];
        if (dissect_config_add_port(&o->dissect, arg, err, sizeof err) != 0)
            return usage_error("--tunnel-port: %s", err);
        return PS_EXIT_OK;
    }
    case OPT_REGISTRY_INFO: o->registry_info = 1; return PS_EXIT_OK;
    case OPT_IDLE: return set_timeout("--idle-timeout", arg, &o->flow.idle_timeout_ns);
    case OPT_ACTIVE: return set_timeout("--active-timeout", arg, &o->flow.active_timeout_ns);
    case OPT_LINGER: return set_timeout("--close-timeout", arg, &o->flow.close_linger_ns);
    case OPT_MAX_FLOWS:
        if ((rc = set_count("--max-flows", arg, 1, 1000000000, &n)) != PS_EXIT_OK)
            return rc;
        o->flow.max_flows = (size_t)n;
        return PS_EXIT_OK;
    case OPT_TOP:
        if ((rc = set_count("--top", arg, 0, PS_REPORT_TOP_MAX, &n)) != PS_EXIT_OK)
            return rc;
        o->report.top_n = (unsigned)n;
        o->top_given = 1;
        return PS_EXIT_OK;
    case OPT_TOP_COUNTERS:
        return set_count("--top-counters", arg, 1, 1u << 24, &o->top_counters);
    case OPT_AGGREGATE: return set_aggregate(arg, o);
    case OPT_BUCKET: return set_timeout("--bucket", arg, &o->report.bucket_ns);
    case OPT_MAX_FRAGS:
        if ((rc = set_count("--max-fragments", arg, 1, 100000000, &n)) != PS_EXIT_OK)
            return rc;
        o->flow.max_fragments = (size_t)n;
        return PS_EXIT_OK;
    case OPT_IPFIX:
        if (o->ipfix.ndests == PS_IPFIX_MAX_DESTS)
            return usage_error("too many --ipfix destinations (at most %d): %s", PS_IPFIX_MAX_DESTS, arg);
        if (ipfix_check_dest(arg, errbuf, sizeof(errbuf)) < 0)
            return usage_error("%s", errbuf);
        o->ipfix.dests[o->ipfix.ndests++] = arg;
        return PS_EXIT_OK;
    case OPT_IPFIX_DOMAIN:
        if ((rc = set_count("--ipfix-domain", arg, 0, UINT32_MAX, &n)) != PS_EXIT_OK)
            return rc;
        o->ipfix.domain = (uint32_t)n;
        return PS_EXIT_OK;
    case OPT_IPFIX_REFRESH:
        if (parse_seconds(arg, 1, &o->ipfix.template_refresh_s) < 0) {
            fprintf(stderr, "portsniff: --ipfix-template-refresh: '%s' is not a number of seconds >= 1\n", arg);
            return PS_EXIT_USAGE;
        }
        return PS_EXIT_OK;
    case OPT_IPFIX_QUEUE:
        if ((rc = set_count("--ipfix-queue", arg, 64, 4194304, &n)) != PS_EXIT_OK)
            return rc;
        o->ipfix.queue_bytes = (size_t)n * 1024;
        return PS_EXIT_OK;
    case OPT_WORKERS:
        if ((rc = set_count("--workers", arg, 1, PS_MAX_WORKERS, &n)) != PS_EXIT_OK)
            return rc;
        o->cap.workers = (int)n;
        return PS_EXIT_OK;
    case OPT_IMMEDIATE: o->immediate = 1; return PS_EXIT_OK;
    case OPT_HUGE_PAGES: o->huge_pages = 1; return PS_EXIT_OK;
    case 'h': usage(stdout); return -1;
    case 'V': printf("portsniff %s (%s)\n", PORTSNIFF_VERSION, pcap_lib_version()); return -1;
    default: return PS_EXIT_USAGE;
    }
}

/* What the report options imply together: the format a --report-file name
 * asks for, the top talkers an HTML report shows by default, and the talker
 * tables' sizes for live capture. */
static void settle_report_options(options *o)
{
    const ps_report_writer *by_name = report_writer_for_path(o->report_file);
    const ps_report_writer *html = report_writer_find("html");
    if (!o->report_format_given && by_name)
        o->report_writer = by_name;
    if (!o->top_given && html && o->report_writer == html)
        o->report.top_n = 5;
    if (o->cap.iface) {
        ps_report_config live;
        report_config_defaults(&live, 1);
        o->report.service_talkers = live.service_talkers;
        o->report.host_talkers = live.host_talkers;
    }
    if (o->top_counters) {
        o->report.service_talkers = (size_t)o->top_counters;
        o->report.host_talkers = (size_t)o->top_counters * 16;
    }
}

static int is_stdout(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

/* The flow records rotate with -G when they go to a file of their own. */
static int flows_rotate(const options *o)
{
    return o->rotate_s && o->flow_fmt && o->flows_file && !is_stdout(o->flows_file);
}

/* -w, -G, -W together: with -w - standard output holds the packets only, so
 * the flow records go to --flows-file or nowhere (as tcpdump -w prints no
 * packets); -G rotates files, never standard output. */
static int settle_save_options(options *o)
{
    if (o->max_files && !o->rotate_s)
        return usage_error("%s", "-W limits the files -G SECONDS rotates: give -G too");
    if (is_stdout(o->save_file) && o->flow_fmt && (!o->flows_file || is_stdout(o->flows_file))) {
        if (o->flows_given)
            return usage_error("%s", "-w -: standard output carries the packets; give "
                               "--flows-file FILE for the flow records");
        o->flow_fmt = NULL;
    }
    if (o->rotate_s && is_stdout(o->save_file))
        return usage_error("%s", "-G: standard output (-w -) cannot be rotated");
    if (o->rotate_s && !o->save_file && !flows_rotate(o))
        return usage_error("%s", "-G rotates the -w file and the --flows-file file: give one");
    return PS_EXIT_OK;
}

static int parse_args(int argc, char **argv, options *o)
{
    int c, rc;

    opterr = 0;
    /* Options may come before or after the filter words (getopt permutes them,
     * as for tcpdump on glibc); "--" ends the options. */
    while ((c = getopt_long(argc, argv, "r:i:c:s:B:F:Z:y:w:G:W:pqDLlnvthV", long_options, NULL)) != -1) {
        if (c == '?') {
            /* optopt holds the short option letter, or a long option's value
             * when its argument is missing, or 0 for an unknown long option. */
            if (optopt > 0 && optopt < 128 && strchr("ricsBFZywGW", optopt))
                return usage_error("option -%c needs an argument", optopt);
            if (optopt > 0 && optopt < 128)
                return usage_error("unknown option -%c", optopt);
            if (optopt >= OPT_FLOWS)
                return usage_error("option '%s' needs an argument", argv[optind - 1]);
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
        if ((rc = apply_option(c, optarg, o)) != PS_EXIT_OK)
            return rc;
    }
    if ((rc = join_filter_words(argc, argv, o)) != PS_EXIT_OK)
        return rc;
    o->cap.files = o->files;
    switch (o->t_count) {
    case 0: break;
    case 1: o->sink_flags |= PS_SINK_TS_NONE; break;
    case 2: o->sink_flags |= PS_SINK_TS_EPOCH; break;
    case 4: o->sink_flags |= PS_SINK_TS_DATE; break;
    default: return usage_error("-%.*s: give -t (no time), -tt (epoch) or -tttt (date and time)",
                                o->t_count > 8 ? 8 : o->t_count, "tttttttt");
    }
    if (o->lookup || o->registry_info || o->list_interfaces)
        return PS_EXIT_OK;
    if (o->list_link_types && !o->cap.iface)
        return usage_error("%s", "-L lists the link types of an interface: give -i IFACE");
    if (o->list_link_types)
        return PS_EXIT_OK;
    if (o->cap.nfiles && o->cap.iface)
        return usage_error("%s", "give -r FILE or -i IFACE, not both");
    if (!o->cap.nfiles && !o->cap.iface)
        return usage_error("%s", "nothing to read: give -r FILE or -i IFACE");
    if (o->cap.drop_user && !o->cap.iface)
        return usage_error("%s", "-Z applies to live capture (-i) only");
    if (o->cap.dlt >= 0 && !o->cap.iface)
        return usage_error("%s", "-y applies to live capture (-i) only");
    if (o->cap.workers && !o->cap.iface)
        return usage_error("%s", "--workers applies to live capture (-i) only");
    if ((rc = settle_save_options(o)) != PS_EXIT_OK)
        return rc;
    /* Someone watching flow records on a terminal sees each as its flow
     * ends, not a block later. */
    o->cap.immediate = o->immediate ||
                       (o->flow_fmt && !o->flows_file && isatty(STDOUT_FILENO));
    settle_report_options(o);
    return PS_EXIT_OK;
}

static ps_registry *open_registry(const options *o)
{
    char err[512];
    ps_registry *reg;

    if (!o->registry_file)
        return registry_load_builtin();
    reg = registry_load_file(o->registry_file, err, sizeof(err));
    if (!reg)
        fprintf(stderr, "portsniff: %s\n", err);
    return reg;
}

/* Where each output goes (see STREAMS in portsniff(1)). */
typedef struct outputs {
    ps_outfile *std;              /* standard output, when anything goes there */
    ps_outfile *flows;            /* flow records; NULL with --flows=none */
    ps_outfile *report;           /* the report; NULL: to stderr, or none */
    int report_to_stderr;
    int blank_before_report;      /* text records and a text report share a stream */
} outputs;

typedef struct run_ctx {
    const options *o;
    const ps_registry *reg;
    int stale_noticed;            /* the stale-registry notice was printed */
    outputs *out;
    ps_report *prev;              /* the last interval's cumulative snapshot */
    ps_pipeline *workers;         /* one pipeline per capture worker; [0] holds the writers */
    int nworkers;
} run_ctx;

/* Once a run, when a report is due: a built-in registry dated more than 365
 * days before the latest packet read so far cannot know the ports assigned
 * since. A --registry file is the user's own choice and gets no notice. */
static void notice_stale_registry(run_ctx *rc, const ps_run_stats *run)
{
    const char *date = registry_date(rc->reg);
    int64_t day, age, limit, sec, frac;
    char last[64];

    if (rc->stale_noticed || rc->o->registry_file || !run->packets || !date ||
        !registry_date_day(date, &day))
        return;
    /* In whole seconds and the rest, since packet times run to the clamps. */
    sec = run->last_ns / 1000000000;
    frac = run->last_ns % 1000000000;
    if (frac < 0) {
        sec--;
        frac += 1000000000;
    }
    limit = (day + 365) * 86400;
    if (sec < limit || (sec == limit && frac == 0))
        return;
    rc->stale_noticed = 1;
    registry_date_age(date, sec, &age);
    format_iso_ts(last, sizeof(last), run->last_ns);
    fprintf(stderr, "portsniff: notice: the built-in registry (%s) is %" PRId64 " days older than"
            " the capture (latest packet %s): ports assigned since are unknown to it;"
            " --registry FILE reads a newer copy\n", date, age, last);
}

/* The flow records take standard output (or --flows-file). The report goes
 * to --report-file; else to standard output when no flow records are written
 * there, or when both are JSON (they then form one NDJSON stream, each object
 * carrying "record"); else to standard error, as tcpdump's summary. So
 * standard output always holds one format. */
static int report_is(const options *o, const char *name)
{
    return o->report_writer && strcmp(report_writer_name(o->report_writer), name) == 0;
}

static int flows_are(const options *o, const char *name)
{
    return o->flow_fmt && strcmp(o->flow_fmt->name, name) == 0;
}

static int report_shares_stdout(const options *o)
{
    if (is_stdout(o->save_file))
        return 0;
    if (!o->flow_fmt || o->flows_file)
        return 1;
    return flows_are(o, "json") && report_is(o, "json");
}

static ps_outfile *open_output(outputs *out, const char *path)
{
    if (strcmp(path, "-") != 0)
        return outfile_open(path);
    if (!out->std)
        out->std = outfile_open("-");
    return out->std;
}

/* Closes the outputs; a file that is replaced is committed only when its
 * commit flag is set, else its old contents stay. */
static void close_outputs(outputs *out, int commit_report, int commit_flows)
{
    if (out->flows && out->flows != out->std)
        (commit_flows ? outfile_close : outfile_abort)(out->flows);
    if (out->report && out->report != out->std)
        (commit_report ? outfile_close : outfile_abort)(out->report);
    outfile_close(out->std);
    memset(out, 0, sizeof(*out));
}

/* Every output is opened before any input is read, so a path that cannot be
 * written stops the run at once. */
static int open_outputs(const options *o, outputs *out, ps_outfile *rotated_flows)
{
    memset(out, 0, sizeof(*out));
    out->flows = rotated_flows;
    if (o->flow_fmt && !out->flows &&
        !(out->flows = open_output(out, o->flows_file ? o->flows_file : "-")))
        goto fail;
    if (o->report_writer) {
        if (o->report_file) {
            if (!(out->report = open_output(out, o->report_file)))
                goto fail;
        } else if (report_shares_stdout(o)) {
            if (!(out->report = open_output(out, "-")))
                goto fail;
        } else {
            out->report_to_stderr = 1;
        }
    }
    if (out->flows && out->report && out->flows != out->report &&
        outfile_same(out->flows, out->report)) {
        fprintf(stderr, "portsniff: %s: named for both the flow records and the report\n",
                outfile_name(out->report));
        close_outputs(out, 0, 0);
        return PS_EXIT_USAGE;
    }
    out->blank_before_report = out->flows && out->flows == out->report &&
                               flows_are(o, "text") && report_is(o, "text");
    return PS_EXIT_OK;
fail:
    close_outputs(out, 0, 0);
    return PS_EXIT_INPUT;
}

static int write_report(run_ctx *rc, const ps_report *r, int live, int final)
{
    ps_pipeline *p = &rc->workers[0];
    const options *o = rc->o;
    outputs *out = rc->out;
    ps_report_context ctx = {
        .registry_source = registry_source(rc->reg),
        .registry_date = registry_date(rc->reg),
        .inputs = live ? &o->cap.iface : o->cap.files,
        .ninputs = live ? 1 : o->cap.nfiles,
        .live = live,
        .final = final,
        .now = (int64_t)time(NULL),
    };

    notice_stale_registry(rc, report_run_stats(r));
    if (out->report_to_stderr) {
        /* Once standard output's reader has gone, the run ends quietly. */
        if (outfile_stdout_broken())
            return 0;
        if (out->flows)
            outfile_flush(out->flows);
        return report_write(r, &ctx, o->report_writer, stderr);
    }
    if (!out->report || outfile_failed(out->report))
        return out->report ? -1 : 0;
    if (outfile_begin_unit(out->report) != 0)
        return -1;
    FILE *f = outfile_stream(out->report);
    if (!f)
        return -1;
    if (out->blank_before_report && p->flow_records)
        fputc('\n', f);
    if (report_write(r, &ctx, o->report_writer, f) != 0)
        return -1;
    return outfile_end_unit(out->report);
}

/* While workers run, the flow records' output is theirs: a report that goes
 * to the same stream, or after them to the terminal, is written under their
 * lock so that it lands between two whole records. */
static int emit_report(run_ctx *rc, const ps_report *r, int live, int final)
{
    ps_pipeline *p = &rc->workers[0];
    outputs *out = rc->out;
    int shared = out->flows && (out->report_to_stderr || out->report == out->flows);
    int ret;

    if (shared)
        pipeline_lock_writers(p);
    ret = write_report(rc, r, live, final);
    if (shared)
        pipeline_unlock_writers(p);
    return ret;
}

/* An interval report: by default the delta since the previous one, over
 * [its end, end_ns); with --interval-mode=cumulative everything so far. Both
 * count the flows still open with what they have sent so far. The workers'
 * parts are merged first. */
static void on_interval(void *arg, int live, int64_t start_ns, int64_t end_ns)
{
    run_ctx *rc = arg;
    ps_report *snap = pipeline_merge_parts(rc->workers, rc->nworkers);

    if (!snap)
        return;
    if (rc->o->interval_cumulative) {
        emit_report(rc, snap, live, 0);
        report_free(snap);
        return;
    }
    report_set_window(snap, start_ns, end_ns);
    ps_report *delta = report_clone(snap);
    if (delta) {
        if (rc->prev)
            report_subtract(delta, rc->prev);
        emit_report(rc, delta, live, 0);
        report_free(delta);
    }
    report_free(rc->prev);
    rc->prev = snap;
}

static void on_signal(int sig)
{
    (void)sig;
    capture_request_stop();
}

static void install_signal_handlers(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: poll() must return so the loop sees the request. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A reader that goes away is a write error (EPIPE), which is reported
     * for files and FIFOs; for standard output the run ends as if killed by
     * SIGPIPE, once the other outputs are complete. */
    signal(SIGPIPE, SIG_IGN);
}

static void free_workers(ps_pipeline *w, int n)
{
    /* Worker 0 last: the others use its writers. */
    for (int i = n - 1; i >= 0; i--)
        pipeline_free(&w[i]);
}

/* One pipeline per capture worker; with several, the flow-table and
 * fragment-cache limits are shared out among them. */
static int init_workers(const options *o, const ps_registry *reg, ps_flow_sink *sink,
                        ps_pipeline *w, int n)
{
    ps_flow_config cfg = o->flow;

    /* Zeek's history and payload bytes are kept per flow only for flow
     * records (IPFIX does not export them): with -q the flows stay smaller
     * and their packets skip the work. */
    cfg.zeek_state = sink != NULL;
    if (n > 1) {
        cfg.max_flows = cfg.max_flows / (size_t)n ? cfg.max_flows / (size_t)n : 1;
        cfg.max_fragments = cfg.max_fragments / (size_t)n ? cfg.max_fragments / (size_t)n : 1;
    }
    if (pipeline_init(&w[0], reg, &cfg, &o->report, sink) != 0)
        return -1;
    /* A live capture's workers run in threads of their own. */
    if (o->cap.iface && pipeline_share_writers(&w[0]) != 0) {
        pipeline_free(&w[0]);
        return -1;
    }
    for (int i = 1; i < n; i++) {
        if (pipeline_init_worker(&w[i], &w[0], &cfg) != 0) {
            free_workers(w, i);
            return -1;
        }
    }
    return 0;
}

static int run_capture(const options *o, const ps_registry *reg, const ps_service_select *sel)
{
    outputs out;
    ps_pipeline workers[PS_MAX_WORKERS];
    void *sinks[PS_MAX_WORKERS];
    run_ctx ctx = {.o = o, .reg = reg, .out = &out, .workers = workers};
    ps_pipeline *p = &workers[0];
    ps_capture *cap;
    ps_savefile *save = NULL;
    ps_outfile *rotated_flows = NULL, *saved;
    const ps_capture_sink *csink = &pipeline_capture_sink;
    int rc, live = o->cap.iface != NULL;

    if ((rc = capture_open(&o->cap, &cap)) != PS_EXIT_OK)
        return rc;
    if (o->save_file || flows_rotate(o)) {
        ps_savefile_config scfg = {
            .save_path = o->save_file,
            .flows_path = flows_rotate(o) ? o->flows_file : NULL,
            .period_ns = (int64_t)o->rotate_s * 1000000000,
            .max_files = o->max_files,
            .live = live,
        };
        if (!(save = savefile_open(&scfg, &rotated_flows))) {
            capture_close(cap);
            return PS_EXIT_INPUT;
        }
    }
    if ((rc = open_outputs(o, &out, rotated_flows)) != PS_EXIT_OK) {
        savefile_close(save, 0);
        capture_close(cap);
        return rc;
    }
    saved = savefile_output(save);
    if (saved && ((out.flows && outfile_same(saved, out.flows)) ||
                  (out.report && outfile_same(saved, out.report)))) {
        fprintf(stderr, "portsniff: %s: named for both the packets (-w) and the %s\n",
                outfile_name(saved),
                out.flows && outfile_same(saved, out.flows) ? "flow records" : "report");
        savefile_close(save, 0);
        close_outputs(&out, 0, 0);
        capture_close(cap);
        return PS_EXIT_USAGE;
    }
    ps_flow_sink *sink = out.flows ? flow_sink_create(o->flow_fmt, out.flows, o->sink_flags) : NULL;
    if (sink)
        sink->community_id_seed = o->community_id_seed;
    ctx.nworkers = capture_worker_count(cap);
    if ((out.flows && !sink) || init_workers(o, reg, sink, workers, ctx.nworkers) != 0) {
        fprintf(stderr, "portsniff: out of memory\n");
        rc = PS_EXIT_INPUT;
        goto fail_no_pipeline;
    }
    if (sink)
        flow_sink_begin(sink);   /* a failure is the output's, reported by it */
    for (int i = 0; i < ctx.nworkers; i++)
        sinks[i] = &workers[i];
    if (save) {
        /* Frames pass through the savefile set first: saved, files rotated. */
        savefile_bind(save, workers, ctx.nworkers, sink, &out.flows);
        for (int i = 0; i < ctx.nworkers; i++)
            sinks[i] = savefile_worker(save, i);
        csink = &savefile_capture_sink;
    }
    if (o->ipfix.ndests) {
        char err[600];
        /* Destinations are opened (files created, hosts resolved) before
         * capture starts, so a mistake costs nothing. */
        ps_ipfix_config icfg = o->ipfix;
        icfg.packet_time = !live;
        int save_std = saved && outfile_kind(saved) == PS_OUT_STDOUT;
        if ((out.std || save_std) && ipfix_wants_stdout(&icfg)) {
            fprintf(stderr, "portsniff: --ipfix file:-: standard output already carries the %s\n",
                    save_std ? "packets (-w -)" : out.flows == out.std ? "flow records" : "report");
            rc = PS_EXIT_USAGE;
            goto fail;
        }
        p->ipfix = ipfix_open(&icfg, err, sizeof(err));
        if (!p->ipfix) {
            if (err[0])
                fprintf(stderr, "portsniff: %s\n", err);
            rc = PS_EXIT_INPUT;
            goto fail;
        }
    }
    p->select = sel;
    /* Every worker dissects with the same options. */
    for (int i = 0; i < ctx.nworkers; i++)
        workers[i].dissect = &o->dissect;
    install_signal_handlers();
    /* A write error ends the capture: what could not be written is lost, and
     * repeating the error every interval helps nobody. */
    outfile_set_error_hook(capture_request_abort);
    rc = capture_run(cap, csink, sinks, on_interval, &ctx);
    capture_close(cap);
    if (sink)
        flow_sink_end(sink);
    if (p->ipfix) {
        /* Sent before the report, whose exporter figures are then final. */
        if (ipfix_close(p->ipfix, stderr) != 0 && rc == PS_EXIT_OK)
            rc = PS_EXIT_INPUT;
    }
    /* An input that could not be read leaves the old report in place; the
     * flow records of what was read before it are kept. */
    int reported = rc == PS_EXIT_OK || rc == PS_EXIT_TRUNCATED;
    int read_some = 0;
    for (int i = 0; i < ctx.nworkers; i++)
        read_some |= workers[i].stats.packets > 0;
    if (reported) {
        ps_report *merged;
        const ps_report *r = pipeline_merge_reports(workers, ctx.nworkers, &merged);
        if (r)
            emit_report(&ctx, r, live, 1);
        else
            fprintf(stderr, "portsniff: out of memory\n");
        report_free(merged);
    }
    free_workers(workers, ctx.nworkers);
    report_free(ctx.prev);
    flow_sink_free(sink);
    close_outputs(&out, reported, reported || read_some);
    /* capture_run stopped the slab helper without waiting for it. */
    slab_reserve_disable();
    if (savefile_close(save, reported || read_some) != 0 && rc == PS_EXIT_OK)
        rc = PS_EXIT_INPUT;
    if (outfile_any_failed() && rc != PS_EXIT_USAGE)
        rc = PS_EXIT_INPUT;
    if (capture_deferred_error())
        fprintf(stderr, "%s\n", capture_deferred_error());
    return rc;

    /* Before any input is read: nothing is committed, old files stay. */
fail:
    free_workers(workers, ctx.nworkers);
fail_no_pipeline:
    flow_sink_free(sink);
    close_outputs(&out, 0, 0);
    savefile_close(save, 0);
    capture_close(cap);
    return rc;
}

/* What was printed through stdio (help, --lookup, -D) must have reached its
 * destination too; and a run whose standard output lost its reader ends as
 * a filter killed by SIGPIPE does, silently. */
static int finish(int rc)
{
    if (outfile_stdout_broken()) {
        fflush(stderr);
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno == EPIPE) {
            signal(SIGPIPE, SIG_DFL);
            raise(SIGPIPE);
        }
        fprintf(stderr, "portsniff: standard output: write error: %s\n", strerror(errno));
        return rc == PS_EXIT_OK ? PS_EXIT_INPUT : rc;
    }
    return rc;
}

/* --huge-pages: says when the system's pool did not hold all the run asked
 * of it (the rest came as transparent huge pages), so the pool can be sized. */
static void huge_pages_notice(void)
{
    size_t taken = huge_map_pool_pages(), missed = huge_map_pool_short();
    if (missed)
        fprintf(stderr,
                "portsniff: notice: --huge-pages: %zu of %zu 2 MiB pages came from the system's "
                "pool (vm.nr_hugepages); the rest were transparent huge pages\n",
                taken, taken + missed);
}

int main(int argc, char **argv)
{
    options o;
    ps_registry *reg;
    int rc;

    memset(&o, 0, sizeof(o));
    o.cap.promisc = 1;
    o.cap.dlt = -1;
    o.flow_fmt = flow_sink_find("text");
    o.report_writer = report_writer_find("text");
    report_config_defaults(&o.report, 0);
    flow_config_defaults(&o.flow);
    dissect_config_init(&o.dissect);
    ipfix_config_defaults(&o.ipfix);
    rc = parse_args(argc, argv, &o);
    if (rc != PS_EXIT_OK) {
        free(o.filter_buf);
        return finish(rc < 0 ? PS_EXIT_OK : rc);
    }
    if (o.list_interfaces) {
        free(o.filter_buf);
        return finish(capture_list_interfaces());
    }
    if (o.list_link_types) {
        free(o.filter_buf);
        return finish(capture_list_link_types(&o.cap));
    }
    huge_map_use_pool(o.huge_pages);
    reg = open_registry(&o);
    if (!reg) {
        free(o.filter_buf);
        return PS_EXIT_INPUT;
    }
    if (o.lookup) {
        rc = registry_print_lookup(reg, o.lookup, stdout, stderr);
    } else if (o.registry_info) {
        registry_print_info(reg, (int64_t)time(NULL), stdout);
    } else {
        /* Names are checked against the registry the run labels with. */
        ps_service_select *sel = NULL;
        char err[512];
        if (o.services && !(sel = service_select_parse(reg, o.services, err, sizeof err)))
            rc = usage_error("%s", err);
        else
            rc = run_capture(&o, reg, sel);
        service_select_free(sel);
        if (o.huge_pages)
            huge_pages_notice();
    }
    registry_free(reg);
    free(o.filter_buf);
    return finish(rc);
}
