/* RFC 4180 reader. The record is unquoted into one scratch buffer and the
 * field pointers are fixed up only once the record is complete, because the
 * buffer may move while it grows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsniff/csv.h"

void csv_init(csv_reader *r, const char *buf, size_t len)
{
    r->buf = buf;
    r->len = len;
    r->pos = 0;
    r->line = 1;
    r->scratch = NULL;
    r->scratch_cap = 0;
}

void csv_free(csv_reader *r)
{
    free(r->scratch);
    r->scratch = NULL;
    r->scratch_cap = 0;
}

static int reserve_scratch(csv_reader *r, size_t need)
{
    if (need <= r->scratch_cap)
        return 1;
    size_t cap = r->scratch_cap ? r->scratch_cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(r->scratch, cap);
    if (!p)
        return 0;
    r->scratch = p;
    r->scratch_cap = cap;
    return 1;
}

static int at_line_end(const csv_reader *r, size_t i)
{
    if (i >= r->len)
        return 1;
    if (r->buf[i] == '\n')
        return 1;
    return r->buf[i] == '\r' && i + 1 < r->len && r->buf[i + 1] == '\n';
}

static size_t skip_line_end(const csv_reader *r, size_t i)
{
    if (i < r->len && r->buf[i] == '\r')
        i++;
    if (i < r->len && r->buf[i] == '\n')
        i++;
    return i;
}

typedef struct field_state {
    size_t out;            /* bytes written to scratch */
    size_t start[CSV_MAX_FIELDS];
    size_t nfields;
} field_state;

/* csv_next reserved room for the rest of the input, which no record can
 * unquote to more than. */
static void emit(csv_reader *r, field_state *fs, const char *src, size_t n)
{
    memcpy(r->scratch + fs->out, src, n);
    fs->out += n;
}

static unsigned long count_newlines(const char *s, size_t n)
{
    unsigned long lines = 0;
    const char *end = s + n;
    while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        lines++;
        s++;
    }
    return lines;
}

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return CSV_ERROR;
}

/* Reads a quoted field starting after its opening quote. Returns the index
 * after the closing quote, or 0 when the input ends first. */
static size_t read_quoted(csv_reader *r, size_t i, field_state *fs, unsigned long *line)
{
    for (;;) {
        const char *q = i < r->len ? memchr(r->buf + i, '"', r->len - i) : NULL;
        if (!q)
            return 0;
        size_t chunk = (size_t)(q - (r->buf + i));
        *line += count_newlines(r->buf + i, chunk);
        emit(r, fs, r->buf + i, chunk);
        i += chunk;
        if (i + 1 < r->len && r->buf[i + 1] == '"') {
            emit(r, fs, "\"", 1);
            i += 2;
            continue;
        }
        return i + 1;
    }
}

static const unsigned char is_delimiter[256] = {[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1};

/* A CR that does not start a CR LF pair is data, as in most readers. */
static size_t read_unquoted(csv_reader *r, size_t i, field_state *fs)
{
    size_t j = i;
    for (;;) {
        while (j < r->len && !is_delimiter[(unsigned char)r->buf[j]])
            r->scratch[fs->out++] = r->buf[j++];
        if (j < r->len && r->buf[j] == '\r' && !at_line_end(r, j)) {
            r->scratch[fs->out++] = r->buf[j++];
            continue;
        }
        break;
    }
    return j;
}

static void finish_record(csv_reader *r, const field_state *fs, csv_record *rec)
{
    rec->nfields = fs->nfields;
    for (size_t f = 0; f < fs->nfields; f++) {
        size_t end = f + 1 < fs->nfields ? fs->start[f + 1] - 1 : fs->out - 1;
        rec->field[f] = r->scratch + fs->start[f];
        rec->field_len[f] = end - fs->start[f];
    }
}

/* Blank lines carry no record for any caller here (a trailing blank line is
 * common in hand-edited files), so they are skipped rather than reported as
 * a record of one empty field. */
static void skip_blank_lines(csv_reader *r)
{
    while (r->pos < r->len && at_line_end(r, r->pos)) {
        r->pos = skip_line_end(r, r->pos);
        r->line++;
    }
}

int csv_next(csv_reader *r, csv_record *rec, char *err, size_t errlen)
{
    skip_blank_lines(r);
    rec->line = r->line;
    rec->nfields = 0;
    if (r->pos >= r->len)
        return CSV_END;
    /* Unquoting never lengthens the input, and each field adds one NUL: room
     * for the rest of the input bounds every record, and costs one
     * allocation per reader instead of a check per byte. */
    if (!reserve_scratch(r, r->len - r->pos + CSV_MAX_FIELDS + 1))
        return fail(err, errlen, "out of memory");

    field_state fs;
    fs.out = 0;
    fs.nfields = 0;
    unsigned long line = r->line;
    size_t i = r->pos;
    for (;;) {
        if (fs.nfields == CSV_MAX_FIELDS) {
            rec->line = line;
            return fail(err, errlen, "too many fields");
        }
        fs.start[fs.nfields++] = fs.out;
        if (i < r->len && r->buf[i] == '"') {
            i = read_quoted(r, i + 1, &fs, &line);
            if (i == 0)
                return fail(err, errlen, "unterminated quoted field");
            if (i < r->len && r->buf[i] != ',' && !at_line_end(r, i)) {
                rec->line = line;
                return fail(err, errlen, "unexpected character after a closing quote");
            }
        } else {
            i = read_unquoted(r, i, &fs);
            if (i < r->len && r->buf[i] == '"') {
                rec->line = line;
                return fail(err, errlen, "quote inside an unquoted field");
            }
        }
        r->scratch[fs.out++] = '\0';
        if (i < r->len && r->buf[i] == ',') {
            i++;
            continue;
        }
        break;
    }
    r->pos = skip_line_end(r, i);
    r->line = line + 1;
    finish_record(r, &fs, rec);
    return CSV_OK;
}
