/* The bounds-checked reader every packet byte goes through. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cursor.h"

static const uint8_t bytes[7] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde};

static void test_reads_big_endian_in_order(void **state)
{
    (void)state;
    cursor c;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    cursor_init(&c, bytes, sizeof bytes);
    assert_true(cursor_u8(&c, &u8));
    assert_int_equal(u8, 0x12);
    assert_true(cursor_u16(&c, &u16));
    assert_int_equal(u16, 0x3456);
    assert_true(cursor_u32(&c, &u32));
    assert_int_equal(u32, 0x789abcde);
    assert_int_equal(cursor_offset(&c), 7);
    assert_int_equal(cursor_remaining(&c), 0);
    assert_false(cursor_u8(&c, &u8));
}

static void test_failed_read_does_not_move_or_write(void **state)
{
    (void)state;
    cursor c;
    uint16_t u16 = 0xbeef;
    uint32_t u32 = 0xdeadbeef;
    uint8_t out[8] = {0};
    cursor_init(&c, bytes, sizeof bytes);
    assert_true(cursor_skip(&c, 4));
    assert_false(cursor_u32(&c, &u32));   /* 3 left */
    assert_int_equal(u32, 0xdeadbeef);
    assert_int_equal(cursor_offset(&c), 4);
    assert_false(cursor_bytes(&c, out, 4));
    assert_int_equal(out[0], 0);
    assert_int_equal(cursor_offset(&c), 4);
    assert_true(cursor_skip(&c, 2));
    assert_false(cursor_u16(&c, &u16));   /* 1 left */
    assert_int_equal(u16, 0xbeef);
    assert_int_equal(cursor_remaining(&c), 1);
}

static void test_skip_rejects_overflowing_lengths(void **state)
{
    (void)state;
    cursor c;
    cursor_init(&c, bytes, sizeof bytes);
    assert_true(cursor_skip(&c, 3));
    assert_false(cursor_skip(&c, SIZE_MAX));
    assert_false(cursor_skip(&c, SIZE_MAX - 2));
    assert_false(cursor_has(&c, 5));
    assert_true(cursor_has(&c, 4));
    assert_int_equal(cursor_offset(&c), 3);
    assert_true(cursor_skip(&c, 4));
    assert_true(cursor_skip(&c, 0));
    assert_false(cursor_skip(&c, 1));
}

static void test_peek_reads_at_offset_without_moving(void **state)
{
    (void)state;
    cursor c;
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    cursor_init(&c, bytes, sizeof bytes);
    assert_true(cursor_skip(&c, 1));
    assert_true(cursor_peek_u8(&c, 5, &u8));
    assert_int_equal(u8, 0xde);
    assert_false(cursor_peek_u8(&c, 6, &u8));
    assert_true(cursor_peek_u16(&c, 4, &u16));
    assert_int_equal(u16, 0xbcde);
    assert_false(cursor_peek_u16(&c, 5, &u16));
    assert_true(cursor_peek_u32(&c, 2, &u32));
    assert_int_equal(u32, 0x789abcde);
    assert_false(cursor_peek_u32(&c, 3, &u32));
    assert_false(cursor_peek_u32(&c, SIZE_MAX, &u32));
    assert_false(cursor_peek_u16(&c, SIZE_MAX - 1, &u16));
    assert_int_equal(cursor_offset(&c), 1);
}

static void test_sub_cursor_is_limited_and_clamped(void **state)
{
    (void)state;
    cursor c, sub;
    uint8_t u8;
    uint16_t u16;
    cursor_init(&c, bytes, sizeof bytes);
    assert_true(cursor_skip(&c, 2));
    assert_true(cursor_sub(&c, 3, &sub));
    assert_int_equal(cursor_offset(&sub), 2);
    assert_int_equal(cursor_remaining(&sub), 3);
    assert_true(cursor_u16(&sub, &u16));
    assert_int_equal(u16, 0x5678);
    assert_true(cursor_u8(&sub, &u8));
    assert_int_equal(u8, 0x9a);
    assert_false(cursor_u8(&sub, &u8));      /* 0xbc is outside the sub-span */
    assert_int_equal(cursor_offset(&c), 2);  /* parent untouched */

    assert_false(cursor_sub(&c, 100, &sub)); /* declared longer than captured */
    assert_int_equal(cursor_remaining(&sub), 5);
    assert_false(cursor_sub(&c, SIZE_MAX, &sub));
    assert_int_equal(cursor_remaining(&sub), 5);
}

static void test_empty_span(void **state)
{
    (void)state;
    cursor c;
    uint8_t u8 = 7;
    cursor_init(&c, NULL, 10);   /* no data means no bytes, whatever the length says */
    assert_int_equal(cursor_remaining(&c), 0);
    assert_false(cursor_u8(&c, &u8));
    assert_false(cursor_peek_u8(&c, 0, &u8));
    assert_true(cursor_skip(&c, 0));
    assert_int_equal(u8, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_big_endian_in_order),
        cmocka_unit_test(test_failed_read_does_not_move_or_write),
        cmocka_unit_test(test_skip_rejects_overflowing_lengths),
        cmocka_unit_test(test_peek_reads_at_offset_without_moving),
        cmocka_unit_test(test_sub_cursor_is_limited_and_clamped),
        cmocka_unit_test(test_empty_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
