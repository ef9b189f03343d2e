/* Seed inputs for fuzz_dissect: every packet of the given captures, written
 * to OUTDIR as one file each, prefixed with the selector byte of its
 * capture's link type (fuzz_common.h; a link type that is not decoded
 * becomes USER0).
 *
 *   fuzz_seeds OUTDIR CAPTURE...
 *
 * A capture libpcap cannot open is skipped with a note; a damaged one
 * contributes the packets read before the damage. */
#include <errno.h>
#include <libgen.h>
#include <string.h>

#include <pcap/pcap.h>

#include "fuzz_common.h"

static int write_seed(const char *path, uint8_t selector, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputc(selector, f) == EOF || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fuzz_seeds: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static long extract(const char *outdir, const char *capture)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(capture, errbuf);
    if (!pc) {
        fprintf(stderr, "fuzz_seeds: skipping %s: %s\n", capture, errbuf);
        return 0;
    }
    int selector = fuzz_link_selector(pcap_datalink(pc));
    /* Every undecoded link type takes the same path: offer it as USER0. */
    if (selector < 0)
        selector = fuzz_link_selector(147);
    char name[1024];
    snprintf(name, sizeof name, "%s", capture);
    const char *base = basename(name);
    struct pcap_pkthdr *h;
    const u_char *data;
    long n = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s-%05ld", outdir, base, n);
        if (write_seed(path, (uint8_t)selector, data, h->caplen) != 0) {
            pcap_close(pc);
            return -1;
        }
        n++;
    }
    pcap_close(pc);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: fuzz_seeds OUTDIR CAPTURE...\n", stderr);
        return 2;
    }
    long total = 0;
    for (int i = 2; i < argc; i++) {
        long n = extract(argv[1], argv[i]);
        if (n < 0)
            return 1;
        total += n;
    }
    printf("fuzz_seeds: %ld packets from %d captures\n", total, argc - 2);
    return 0;
}
