/* Registry parser on hostile files, both formats.
 *
 * Input: one selector byte, then the file. An odd selector puts IANA's CSV
 * header line in front, so the bytes are read as IANA CSV rows; an even one
 * hands them over as they are (a services(5) file, or a CSV that brings its
 * own header). Either the parse fails with "source:line: reason", or every
 * lookup the command line can make works on what was read. */
#include <string.h>

#include "fuzz_common.h"
#include "portsniff/attribute.h"
#include "portsniff/packet.h"
#include "portsniff/registry.h"

static const char iana_header[] =
    "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,"
    "Registration Date,Modification Date,Reference,Service Code,"
    "Unauthorized Use Reported,Assignment Notes\n";

#define SOURCE "fuzz.csv"
#define MAX_NAME_LOOKUPS 64

static void check_entry(const ps_reg_entry *e)
{
    FUZZ_CHECK(e->transport < PS_TRANSPORT_COUNT);
    FUZZ_CHECK(e->status <= PS_REG_UNASSIGNED && e->status != PS_REG_UNREGISTERED);
    FUZZ_CHECK((e->status == PS_REG_NAMED) == (e->name != NULL));
    FUZZ_CHECK(e->description != NULL && e->reference != NULL);
    FUZZ_CHECK(!e->has_port || e->port_lo <= e->port_hi);
}

static void lookup_port(const ps_registry *reg, int transport, uint16_t port)
{
    ps_reg_status status;
    const ps_reg_entry *rows[8];
    const ps_reg_entry *e = registry_find_port(reg, transport, port, &status);
    size_t n = registry_port_entries(reg, transport, port, rows, 8);
    FUZZ_CHECK((e == NULL) == (status == PS_REG_UNREGISTERED));
    FUZZ_CHECK((e == NULL) == (n == 0));
    if (e) {
        FUZZ_CHECK(rows[0] == e);
        FUZZ_CHECK(e->has_port && e->port_lo <= port && port <= e->port_hi);
        FUZZ_CHECK(e->transport == PS_TRANSPORT_NONE || e->transport == transport);
    }
    /* The port's rows in label order begin with the label; every other
     * service is a named row of the port, no alias row, not the label. */
    ps_reg_port_row prow[8];
    FUZZ_CHECK(registry_port_rows(reg, transport, port, prow, 8) == n);
    FUZZ_CHECK(n == 0 || prow[0].entry == e);
    const ps_reg_entry *also[8];
    size_t nalso = registry_port_also(reg, transport, port, also, 8);
    FUZZ_CHECK(nalso == 0 || status == PS_REG_NAMED);
    for (size_t i = 0; i < nalso && i < 8; i++) {
        FUZZ_CHECK(also[i] != e && also[i]->status == PS_REG_NAMED && !also[i]->alias_of);
        FUZZ_CHECK(also[i]->port_lo <= port && port <= also[i]->port_hi);
    }
}

static void exercise(const ps_registry *reg, const uint8_t *data, size_t size)
{
    FILE *out = fuzz_null_file();
    size_t count = registry_entry_count(reg);
    FUZZ_CHECK(registry_entry(reg, count) == NULL);
    for (size_t i = 0; i < count; i++) {
        const ps_reg_entry *e = registry_entry(reg, i);
        check_entry(e);
        if (e->has_port) {
            int t = e->transport == PS_TRANSPORT_NONE ? PS_TRANSPORT_TCP : e->transport;
            lookup_port(reg, t, e->port_lo);
            lookup_port(reg, t, e->port_hi);
        }
        if (e->name && i < MAX_NAME_LOOKUPS) {
            const ps_reg_entry *rows[4];
            /* Names longer than the lookup buffer are not found by design. */
            FUZZ_CHECK(registry_find_name(reg, e->name, rows, 4) > 0 || strlen(e->name) >= 255);
            registry_print_lookup(reg, e->name, out, out);
        }
    }
    /* A few ports the input chooses, and the edges. */
    static const uint16_t edges[] = {0, 1, 1023, 1024, 49151, 49152, 65535};
    for (int t = PS_TRANSPORT_TCP; t < PS_TRANSPORT_COUNT; t++) {
        for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
            lookup_port(reg, t, edges[i]);
        for (size_t i = 0; i + 1 < size && i < 16; i += 2)
            lookup_port(reg, t, (uint16_t)(data[i] << 8 | data[i + 1]));
    }
    /* Attribution of a flow between two ports the registry may name. */
    ps_flow flow;
    ps_label label;
    memset(&flow, 0, sizeof flow);
    flow.key.family = 4;
    flow.key.transport = PS_TRANSPORT_TCP;
    flow.key.port_a = size > 1 ? (uint16_t)(data[0] << 8 | data[1]) : 80;
    flow.key.port_b = count ? registry_entry(reg, 0)->port_lo : 443;
    flow.dir[0].pkts = 1;
    attribute_flow(reg, NULL, &flow, &label);
    FUZZ_CHECK(label_service_text(&label) != NULL);
    /* A DCCP flow whose Service Code and fan-in counts the input chooses. */
    flow.key.transport = PS_TRANSPORT_DCCP;
    flow.dccp_has_service_code = 1;
    flow.dccp_service_code = size > 5 ? (uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 |
                                            (uint32_t)data[4] << 8 | data[5]
                                      : (count ? registry_entry(reg, 0)->service_code : 0);
    ps_flow_fanin fan = {size > 6 ? data[6] % 40u : 0, size > 7 ? data[7] % 40u : 0};
    attribute_flow(reg, &fan, &flow, &label);
    FUZZ_CHECK(label_service_text(&label) != NULL);
    FUZZ_CHECK(label.service_port == flow.key.port_a || label.service_port == flow.key.port_b);
    FUZZ_CHECK(label.basis != PS_BASIS_SERVICE_CODE ||
               registry_find_service_code(reg, flow.dccp_service_code) == label.entry);
    registry_print_lookup(reg, "80/tcp", out, out);
    registry_print_lookup(reg, "0", out, out);
    registry_print_info(reg, 1786924800, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t head = (data[0] & 1) ? sizeof iana_header - 1 : 0;
    size_t len = head + size - 1;
    /* Exactly the file's bytes, no terminator: the parser must not need one. */
    char *buf = malloc(len ? len : 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, iana_header, head);
    memcpy(buf + head, data + 1, size - 1);

    char err[512];
    err[0] = '\0';
    ps_registry *reg = registry_parse(buf, len, SOURCE, err, sizeof err);
    if (!reg) {
        /* "fuzz.csv:LINE: reason" (or "fuzz.csv: out of memory") on one line. */
        FUZZ_CHECK(strncmp(err, SOURCE ":", sizeof SOURCE) == 0);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
    } else {
        exercise(reg, data + 1, size - 1);
        registry_free(reg);
    }
    free(buf);
    return 0;
}
