/* ps-strip-handshakes IN OUT: copies a capture (pcap or pcapng, anything
 * libpcap reads) to a classic pcap with nanosecond timestamps, leaving out
 * every handshake packet: TCP segments with SYN (SYN and SYN-ACK), SCTP
 * packets with an INIT or INIT ACK chunk, DCCP Request and Response. Packets
 * are decoded by portsniff's own dissector, so "handshake" means what the
 * flow table acts on. Prints "kept N removed M" on standard output.
 *
 * tests/label_accuracy.py labels a capture with and without its handshakes
 * and compares the two. */
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "portsniff/dissect.h"
#include "portsniff/packet.h"

static int is_handshake(const ps_packet *p)
{
    if (p->kind != PS_PKT_TRANSPORT)
        return 0;
    switch (p->transport) {
    case PS_TRANSPORT_TCP:
        return (p->tcp_flags & PS_TCP_SYN) != 0;
    case PS_TRANSPORT_SCTP:
        return (p->sctp_chunks & (1u << PS_SCTP_INIT | 1u << PS_SCTP_INIT_ACK)) != 0;
    case PS_TRANSPORT_DCCP:
        return p->dccp_type == PS_DCCP_REQUEST || p->dccp_type == PS_DCCP_RESPONSE;
    default:
        return 0;
    }
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 3) {
        fputs("usage: ps-strip-handshakes IN OUT\n", stderr);
        return 2;
    }
    pcap_t *in = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!in) {
        fprintf(stderr, "ps-strip-handshakes: %s\n", err);
        return 1;
    }
    int dlt = pcap_datalink(in);
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *out = dead ? pcap_dump_open(dead, argv[2]) : NULL;
    if (!out) {
        fprintf(stderr, "ps-strip-handshakes: %s: %s\n", argv[2], dead ? pcap_geterr(dead) : "out of memory");
        pcap_close(in);
        if (dead)
            pcap_close(dead);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long kept = 0, removed = 0;
    int rc;
    while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
        ps_packet pkt;
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
        dissect_frame(dlt, data, h->caplen, h->len, ts, &pkt);
        if (is_handshake(&pkt)) {
            removed++;
            continue;
        }
        pcap_dump((u_char *)out, h, data);
        kept++;
    }
    int status = 0;
    if (rc == PCAP_ERROR) {
        /* A damaged capture: what was read is written, as portsniff counts it. */
        fprintf(stderr, "ps-strip-handshakes: %s: %s\n", argv[1], pcap_geterr(in));
        status = 3;
    }
    if (pcap_dump_flush(out) != 0) {
        fprintf(stderr, "ps-strip-handshakes: %s: write error\n", argv[2]);
        status = 1;
    }
    pcap_dump_close(out);
    pcap_close(dead);
    pcap_close(in);
    printf("kept %lu removed %lu\n", kept, removed);
    return status;
}
