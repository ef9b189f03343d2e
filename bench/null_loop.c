/* The floor: open a capture with libpcap and read every packet, doing
 * nothing with it. Any tool that reads the file through libpcap can go no
 * faster than this.
 *
 *   null-loop FILE              prints the packet count
 *   null-loop --buffered FILE   the same through a page-aligned 256 KiB
 *                               stdio buffer, as portsniff reads files: the
 *                               floor for that read path
 *   null-loop --raw FILE        without libpcap: 256 KiB preads, walking the
 *                               record headers (what portsniff's read-ahead
 *                               does with a plain pcap file in this host's
 *                               byte order, before decoding)
 *   null-loop --mapped FILE     the same walk over the file mapped read-only
 *                               (MADV_SEQUENTIAL), to weigh mapping against
 *                               reading
 * --raw and --mapped take only such plain pcap files. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#define BLOCK (256u * 1024u)

/* One byte of each record is read into it, so that the walk reads every
 * record, as a reader that looks at the packets would. */
static volatile unsigned touch;

/* Walks the records in buf[0, len): counts the whole ones, adds up their
 * caplen, and returns the bytes they take. */
static size_t walk(const uint8_t *buf, size_t len, unsigned long long *packets,
                   unsigned long long *bytes)
{
    size_t at = 0;
    while (len - at >= 16) {
        uint32_t caplen;
        memcpy(&caplen, buf + at + 8, sizeof caplen);
        if (caplen > len - at - 16)
            break;
        if (caplen)
            touch = buf[at + 16];
        *packets += 1;
        *bytes += caplen;
        at += 16 + (size_t)caplen;
    }
    return at;
}

static int plain_pcap(const uint8_t *head)
{
    uint32_t magic;
    memcpy(&magic, head, sizeof magic);
    return magic == 0xa1b2c3d4u || magic == 0xa1b23c4du;
}

static const char not_plain[] = "not a plain pcap file in this host's byte order";

/* The walk over a mapping of the whole file; NULL, or the reason it failed. */
static const char *walk_mapped(int fd, size_t size, size_t *end, unsigned long long *packets,
                               unsigned long long *bytes)
{
    if (size < 24)
        return not_plain;
    const uint8_t *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return strerror(errno);
    madvise((void *)m, size, MADV_SEQUENTIAL);
    const char *why = NULL;
    if (plain_pcap(m))
        *end += walk(m + 24, size - 24, packets, bytes);
    else
        why = not_plain;
    munmap((void *)m, size);
    return why;
}

/* The walk through 256 KiB reads into a buffer of two blocks, a record cut
 * by a block's end carried over to the next. */
static const char *walk_read(int fd, size_t *end, unsigned long long *packets,
                             unsigned long long *bytes)
{
    uint8_t *buf = aligned_alloc(4096, 2 * BLOCK);
    if (!buf)
        return strerror(errno);
    const char *why = NULL;
    size_t have = 0;
    off_t pos = 0;
    int first = 1;
    for (;;) {
        ssize_t n = pread(fd, buf + have, BLOCK, pos);
        if (n <= 0) {
            if (n < 0)
                why = strerror(errno);
            break;
        }
        pos += n;
        have += (size_t)n;
        size_t skip = 0;
        if (first) {
            if (have < 24 || !plain_pcap(buf)) {
                why = not_plain;
                break;
            }
            skip = 24;
            first = 0;
        }
        size_t used = skip + walk(buf + skip, have - skip, packets, bytes);
        *end += used - skip;
        memmove(buf, buf + used, have - used);
        have -= used;
        if (have > BLOCK) {
            why = "a record longer than 256 KiB";
            break;
        }
    }
    if (!why && first)
        why = not_plain;
    free(buf);
    return why;
}

static int raw_loop(const char *path, int mapped)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "null-loop: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    unsigned long long packets = 0, bytes = 0;
    size_t size = (size_t)st.st_size, end = 24;
    const char *why = mapped ? walk_mapped(fd, size, &end, &packets, &bytes)
                             : walk_read(fd, &end, &packets, &bytes);
    close(fd);
    if (why) {
        fprintf(stderr, "null-loop: %s: %s\n", path, why);
        return 1;
    }
    if (end != size) {
        fprintf(stderr, "null-loop: %s: %zu bytes after the last whole record\n", path, size - end);
        return 1;
    }
    printf("%llu packets, %llu bytes\n", packets, bytes);
    return 0;
}

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long packets = 0, bytes = 0;
    int rc;

    if (argc == 3 && strcmp(argv[1], "--raw") == 0)
        return raw_loop(argv[2], 0);
    if (argc == 3 && strcmp(argv[1], "--mapped") == 0)
        return raw_loop(argv[2], 1);
    int buffered = argc == 3 && strcmp(argv[1], "--buffered") == 0;
    if (argc != 2 && !buffered) {
        fputs("usage: null-loop [--buffered | --raw | --mapped] FILE\n", stderr);
        return 2;
    }
    argv += buffered;
    /* Same precision request as portsniff, so libpcap does the same work. */
    pcap_t *pc;
    void *buf = NULL;
    if (buffered) {
        FILE *fp = fopen(argv[1], "rb");
        buf = aligned_alloc(4096, 256u * 1024u);
        if (!fp || !buf) {
            perror(argv[1]);
            return 1;
        }
        setvbuf(fp, buf, _IOFBF, 256u * 1024u);
        pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    } else {
        pc = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    }
    if (!pc) {
        fprintf(stderr, "null-loop: %s: %s\n", argv[1], errbuf);
        return 1;
    }
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc != PCAP_ERROR_BREAK) {
        fprintf(stderr, "null-loop: %s: %s\n", argv[1], pcap_geterr(pc));
        pcap_close(pc);
        free(buf);
        return 1;
    }
    pcap_close(pc);
    free(buf);
    printf("%llu packets, %llu bytes\n", packets, bytes);
    return 0;
}
