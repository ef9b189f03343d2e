/* The floor: open a capture with libpcap and read every packet, doing
 * nothing with it. Any tool that reads the file through libpcap can go no
 * faster than this.
 *
 *   null-loop FILE              prints the packet count
 *   null-loop --buffered FILE   the same through a page-aligned 256 KiB
 *                               stdio buffer, as portsniff reads files: the
 *                               floor for that read path */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long packets = 0, bytes = 0;
    int rc;

    int buffered = argc == 3 && strcmp(argv[1], "--buffered") == 0;
    if (argc != 2 && !buffered) {
        fputs("usage: null-loop [--buffered] FILE\n", stderr);
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
