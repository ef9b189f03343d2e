/* RFC 4180 reader over an in-memory buffer: quoted fields, doubled quotes,
 * CR LF or LF line ends, newlines inside quoted fields. */
#ifndef PORTSNIFF_CSV_H
#define PORTSNIFF_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 32

typedef struct csv_reader {
    const char *buf;
    size_t len;
    size_t pos;
    unsigned long line;        /* line where the next record starts (1-based) */
    char *scratch;             /* holds the unquoted fields of the current record */
    size_t scratch_cap;
} csv_reader;

typedef struct csv_record {
    unsigned long line;        /* line the record starts on */
    size_t nfields;
    const char *field[CSV_MAX_FIELDS];   /* NUL-terminated, valid until the next csv_next() */
    size_t field_len[CSV_MAX_FIELDS];
} csv_record;

enum { CSV_OK = 1, CSV_END = 0, CSV_ERROR = -1 };

void csv_init(csv_reader *r, const char *buf, size_t len);
/* CSV_OK with *rec filled, CSV_END at the end of input, CSV_ERROR with a
 * one-line reason in err (e.g. "unterminated quoted field", "too many fields")
 * and rec->line set to the line at fault (for an unterminated quote, the line
 * where the record began). Blank lines are skipped. */
int csv_next(csv_reader *r, csv_record *rec, char *err, size_t errlen);
void csv_free(csv_reader *r);

#endif
