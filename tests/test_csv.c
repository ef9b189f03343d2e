/* RFC 4180 reader: quoting, line ends, line numbers and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portsniff/csv.h"

typedef struct csv_case {
    csv_reader r;
    csv_record rec;
    char err[128];
} csv_case;

static void open_text(csv_case *c, const char *text)
{
    csv_init(&c->r, text, strlen(text));
    c->err[0] = '\0';
}

static int next(csv_case *c)
{
    return csv_next(&c->r, &c->rec, c->err, sizeof c->err);
}

static void test_plain_records(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "a,b,c\n1,22,333\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.line, 1);
    assert_int_equal(c.rec.nfields, 3);
    assert_string_equal(c.rec.field[0], "a");
    assert_string_equal(c.rec.field[2], "c");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.line, 2);
    assert_string_equal(c.rec.field[1], "22");
    assert_int_equal(c.rec.field_len[2], 3);
    assert_int_equal(next(&c), CSV_END);
    assert_int_equal(next(&c), CSV_END);
    csv_free(&c.r);
}

static void test_quoted_fields_and_doubled_quotes(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "\"a,b\",\"say \"\"hi\"\"\",\"\"\"\",plain\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.nfields, 4);
    assert_string_equal(c.rec.field[0], "a,b");
    assert_string_equal(c.rec.field[1], "say \"hi\"");
    assert_int_equal(c.rec.field_len[1], 8);
    assert_string_equal(c.rec.field[2], "\"");
    assert_string_equal(c.rec.field[3], "plain");
    csv_free(&c.r);
}

static void test_crlf_line_ends(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "a,b\r\nc,d\r\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_string_equal(c.rec.field[1], "b");
    assert_int_equal(c.rec.field_len[1], 1);
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.line, 2);
    assert_string_equal(c.rec.field[0], "c");
    assert_string_equal(c.rec.field[1], "d");
    assert_int_equal(next(&c), CSV_END);
    csv_free(&c.r);
}

static void test_lone_cr_is_data(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "a\rb,c\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.nfields, 2);
    assert_string_equal(c.rec.field[0], "a\rb");
    csv_free(&c.r);
}

static void test_newlines_inside_quotes_keep_line_numbers(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "x,\"line1\nline2\nline3\"\ny,\"a\r\nb\"\r\nz,end\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.line, 1);
    assert_string_equal(c.rec.field[1], "line1\nline2\nline3");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.line, 4);
    assert_string_equal(c.rec.field[1], "a\r\nb");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.line, 6);
    assert_string_equal(c.rec.field[0], "z");
    csv_free(&c.r);
}

static void test_empty_fields(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, ",,\n\"\",x,\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.nfields, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(c.rec.field[i], "");
        assert_int_equal(c.rec.field_len[i], 0);
    }
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.nfields, 3);
    assert_string_equal(c.rec.field[0], "");
    assert_string_equal(c.rec.field[1], "x");
    assert_string_equal(c.rec.field[2], "");
    csv_free(&c.r);
}

static void test_no_trailing_newline(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "a,b\nc,\"d\"");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.line, 2);
    assert_int_equal(c.rec.nfields, 2);
    assert_string_equal(c.rec.field[1], "d");
    assert_int_equal(next(&c), CSV_END);
    csv_free(&c.r);
}

static void test_blank_lines_are_skipped(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "a\n\r\n\nb\n\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_string_equal(c.rec.field[0], "a");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.line, 4);
    assert_string_equal(c.rec.field[0], "b");
    assert_int_equal(next(&c), CSV_END);
    csv_free(&c.r);
}

static void test_empty_input(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "");
    assert_int_equal(next(&c), CSV_END);
    csv_free(&c.r);
}

static void test_unterminated_quote_names_record_start(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "a,b\nc,\"open\nmore\nlines\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(next(&c), CSV_ERROR);
    assert_string_equal(c.err, "unterminated quoted field");
    assert_int_equal(c.rec.line, 2);
    csv_free(&c.r);
}

static void test_quote_inside_unquoted_field(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "ok\n\"two\nlines\",b\"c\n");
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(next(&c), CSV_ERROR);
    assert_string_equal(c.err, "quote inside an unquoted field");
    /* The stray quote sits on line 3, after the quoted line break. */
    assert_int_equal(c.rec.line, 3);
    csv_free(&c.r);
}

static void test_text_after_closing_quote(void **state)
{
    (void)state;
    csv_case c;
    open_text(&c, "\"a\"b,c\n");
    assert_int_equal(next(&c), CSV_ERROR);
    assert_string_equal(c.err, "unexpected character after a closing quote");
    assert_int_equal(c.rec.line, 1);
    csv_free(&c.r);
}

static void make_fields(char *buf, int n)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++)
        strcat(buf, i ? ",f" : "f");
    strcat(buf, "\n");
}

static void test_field_limit(void **state)
{
    (void)state;
    char text[4 * (CSV_MAX_FIELDS + 2)];
    csv_case c;
    make_fields(text, CSV_MAX_FIELDS);
    open_text(&c, text);
    assert_int_equal(next(&c), CSV_OK);
    assert_int_equal(c.rec.nfields, CSV_MAX_FIELDS);
    csv_free(&c.r);

    make_fields(text, CSV_MAX_FIELDS + 1);
    open_text(&c, text);
    assert_int_equal(next(&c), CSV_ERROR);
    assert_string_equal(c.err, "too many fields");
    csv_free(&c.r);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The IANA file: every record has 12 fields and 288 of them carry line
 * breaks inside quotes, so the last record starts on the file's last line. */
static void test_iana_file(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_file(PS_REGISTRY_CSV, &len);
    csv_reader r;
    csv_record rec;
    char err[128];
    size_t records = 0, multiline = 0, bad_width = 0;
    unsigned long last_line = 0, newlines = 0;
    for (size_t i = 0; i < len; i++)
        newlines += buf[i] == '\n';
    csv_init(&r, buf, len);
    int rc;
    while ((rc = csv_next(&r, &rec, err, sizeof err)) == CSV_OK) {
        records++;
        last_line = rec.line;
        bad_width += rec.nfields != 12;
        for (size_t f = 0; f < rec.nfields; f++)
            if (memchr(rec.field[f], '\n', rec.field_len[f])) {
                multiline++;
                break;
            }
    }
    assert_int_equal(rc, CSV_END);
    assert_int_equal(bad_width, 0);
    assert_int_equal(multiline, 288);
    assert_int_equal(last_line, newlines);
    assert_int_equal(records, 14534);   /* header + 14533 rows of the 2026-08-17 registry */
    csv_free(&r);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_records),
        cmocka_unit_test(test_quoted_fields_and_doubled_quotes),
        cmocka_unit_test(test_crlf_line_ends),
        cmocka_unit_test(test_lone_cr_is_data),
        cmocka_unit_test(test_newlines_inside_quotes_keep_line_numbers),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_no_trailing_newline),
        cmocka_unit_test(test_blank_lines_are_skipped),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_unterminated_quote_names_record_start),
        cmocka_unit_test(test_quote_inside_unquoted_field),
        cmocka_unit_test(test_text_after_closing_quote),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_iana_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
