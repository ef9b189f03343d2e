/* RFC 4180 reader on hostile bytes. Every record must come back with at most
 * CSV_MAX_FIELDS NUL-terminated fields of the stated lengths, on lines that
 * only move forward and exist in the input; the reader must end (CSV_END or
 * CSV_ERROR with a reason) without reading past the buffer. */
#include <string.h>

#include "fuzz_common.h"
#include "portsniff/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    unsigned long lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += buf[i] == '\n';

    csv_reader r;
    csv_record rec;
    char err[128];
    unsigned long last_line = 0;
    size_t records = 0;
    int rc;
    csv_init(&r, buf, size);
    while ((rc = csv_next(&r, &rec, err, sizeof err)) == CSV_OK) {
        FUZZ_CHECK(rec.nfields >= 1 && rec.nfields <= CSV_MAX_FIELDS);
        FUZZ_CHECK(rec.line > last_line && rec.line <= lines);
        size_t total = 0;
        for (size_t f = 0; f < rec.nfields; f++) {
            FUZZ_CHECK(rec.field[f][rec.field_len[f]] == '\0');
            total += rec.field_len[f];
        }
        /* Unquoting never lengthens the input. */
        FUZZ_CHECK(total <= size);
        last_line = rec.line;
        /* Each record consumes at least one byte. */
        FUZZ_CHECK(++records <= size);
    }
    if (rc == CSV_ERROR) {
        FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(rec.line >= 1 && rec.line <= lines);
    } else {
        FUZZ_CHECK(rc == CSV_END);
    }
    csv_free(&r);
    return 0;
}
