/* Bounds-checked big-endian reads over a captured byte span.
 *
 * Every read either succeeds whole and advances, or fails and leaves the
 * cursor where it was: a layer that cannot get the bytes it needs stops with
 * a reason instead of reading past the captured length (the discipline of
 * tcpdump's GET_BE_U_2 accessors). Invariant: off <= len. */
#ifndef PORTSNIFF_CURSOR_H
#define PORTSNIFF_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct cursor {
    const uint8_t *p;   /* start of the whole span; sub-cursors share it */
    size_t len;         /* bytes readable from p */
    size_t off;         /* next byte to read */
} cursor;

static inline void cursor_init(cursor *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->len = p ? len : 0;
    c->off = 0;
}

static inline size_t cursor_remaining(const cursor *c)
{
    return c->len - c->off;
}

/* Offset from the start of the span (the frame, for the dissector). */
static inline size_t cursor_offset(const cursor *c)
{
    return c->off;
}

static inline int cursor_has(const cursor *c, size_t n)
{
    return n <= c->len - c->off;
}

/* Fixed-offset fields of a header whose whole fixed part was checked with
 * cursor_has: one bound check, then plain loads at known offsets. `at` must
 * lie inside the checked span. */
static inline const uint8_t *cursor_here(const cursor *c)
{
    return c->p + c->off;
}

static inline uint16_t load_be16(const uint8_t *b)
{
    return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline uint32_t load_be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline int cursor_skip(cursor *c, size_t n)
{
    if (!cursor_has(c, n))
        return 0;
    c->off += n;
    return 1;
}

static inline int cursor_u8(cursor *c, uint8_t *v)
{
    if (!cursor_has(c, 1))
        return 0;
    *v = c->p[c->off];
    c->off += 1;
    return 1;
}

static inline int cursor_u16(cursor *c, uint16_t *v)
{
    if (!cursor_has(c, 2))
        return 0;
    *v = load_be16(c->p + c->off);
    c->off += 2;
    return 1;
}

static inline int cursor_u32(cursor *c, uint32_t *v)
{
    if (!cursor_has(c, 4))
        return 0;
    *v = load_be32(c->p + c->off);
    c->off += 4;
    return 1;
}

static inline int cursor_bytes(cursor *c, void *dst, size_t n)
{
    if (!cursor_has(c, n))
        return 0;
    memcpy(dst, c->p + c->off, n);
    c->off += n;
    return 1;
}

/* Reads `at` bytes past the current position without moving, for headers
 * whose fields sit at fixed offsets. */
static inline int cursor_peek_u8(const cursor *c, size_t at, uint8_t *v)
{
    if (at >= cursor_remaining(c))
        return 0;
    *v = c->p[c->off + at];
    return 1;
}

static inline int cursor_peek_u16(const cursor *c, size_t at, uint16_t *v)
{
    if (at > cursor_remaining(c) || cursor_remaining(c) - at < 2)
        return 0;
    *v = load_be16(c->p + c->off + at);
    return 1;
}

static inline int cursor_peek_u32(const cursor *c, size_t at, uint32_t *v)
{
    if (at > cursor_remaining(c) || cursor_remaining(c) - at < 4)
        return 0;
    *v = load_be32(c->p + c->off + at);
    return 1;
}

/* A cursor over the next n bytes, or over what is left when fewer were
 * captured: limits an inner layer to the length its outer header declares,
 * so trailing link-layer padding is never taken for protocol data.
 * Returns 1 when all n bytes are present. */
static inline int cursor_sub(const cursor *c, size_t n, cursor *sub)
{
    int whole = cursor_has(c, n);
    sub->p = c->p;
    sub->off = c->off;
    sub->len = whole ? c->off + n : c->len;
    return whole;
}

#endif
