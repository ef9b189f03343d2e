/* Shared by the libFuzzer harnesses, their replay driver and the seed
 * extractor: the entry point every harness defines, and the link types the
 * dissect harness chooses from with its first input byte. */
#ifndef PORTSNIFF_FUZZ_COMMON_H
#define PORTSNIFF_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcap/dlt.h>

/* libFuzzer's entry point; also called by replay_main.c for each file. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every decoded link type, under the values both pcap_datalink() and a
 * file's raw LINKTYPE_* can give (DLT_RAW is 12 on Linux, LINKTYPE_RAW 101),
 * plus one that is not decoded (USER0) so that path is fuzzed too. */
static const int fuzz_link_types[] = {
    DLT_EN10MB, DLT_LINUX_SLL, 276 /* LINUX_SLL2 */, DLT_RAW, 101 /* LINKTYPE_RAW */,
    228 /* IPV4 */, 229 /* IPV6 */, DLT_NULL, DLT_LOOP, 147 /* USER0 */,
    9 /* PPP */, 50 /* PPP_SERIAL */, 51 /* PPP_ETHER */, 104 /* C_HDLC */,
    166 /* PPP_PPPD */, 204 /* PPP_WITH_DIR */, 239 /* NFLOG */, 242 /* IPOIB */,
    105 /* IEEE802_11 */, 127 /* IEEE802_11_RADIO */, 192 /* PPI */,
};
#define FUZZ_LINK_TYPES (sizeof fuzz_link_types / sizeof fuzz_link_types[0])

static inline int fuzz_link_type(uint8_t selector)
{
    return fuzz_link_types[selector % FUZZ_LINK_TYPES];
}

/* The selector byte for a capture's link type, or -1 when it has none. */
static inline int fuzz_link_selector(int dlt)
{
    for (size_t i = 0; i < FUZZ_LINK_TYPES; i++)
        if (fuzz_link_types[i] == dlt)
            return (int)i;
    return -1;
}

/* An invariant the code under test broke: report it and abort, so libFuzzer
 * keeps the input as a crash. */
#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* A FILE that discards what is written, opened once per process. */
static inline FILE *fuzz_null_file(void)
{
    static FILE *null_out;
    if (!null_out && !(null_out = fopen("/dev/null", "w"))) {
        perror("/dev/null");
        abort();
    }
    return null_out;
}

#endif
